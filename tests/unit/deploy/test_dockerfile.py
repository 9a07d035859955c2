"""deploy/Dockerfile and .dockerignore, parsed line by line."""

from __future__ import annotations

import pytest

from tests.unit.deploy import checks


def test_dockerfile() -> None:
    assert checks.check_dockerfile(checks.DOCKERFILE.read_text()) == []


def test_dockerignore() -> None:
    assert checks.check_dockerignore(checks.DOCKERIGNORE.read_text()) == []


def test_instructions_join_continuations() -> None:
    text = "FROM python:3.11-slim\n# c\nRUN a \\\n    && b\nUSER 1:1\n"
    assert checks.dockerfile_instructions(text) == [
        ("FROM", "python:3.11-slim"),
        ("RUN", "a && b"),
        ("USER", "1:1"),
    ]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("FROM python:3.11-slim\n", "FROM python:3.12-slim\n", "want python:3.11-slim"),
        ("USER 10001:10001", "USER root", "must not be root"),
        ("USER 10001:10001", "USER crosssell", "numeric"),
        ("USER 10001:10001", "", "needs a USER"),
        ('ENTRYPOINT ["crosssell"]', 'ENTRYPOINT ["python"]', "ENTRYPOINT"),
        ("RUN pip install .", "RUN pip install crosssell", "pip install ."),
        ("COPY shared/ shared/", "COPY sharedx/ shared/", "no such path"),
    ],
)
def test_check_detects(old: str, new: str, expected: str) -> None:
    text = checks.DOCKERFILE.read_text()
    assert old in text
    problems = checks.check_dockerfile(text.replace(old, new))
    assert any(expected in p for p in problems), problems
