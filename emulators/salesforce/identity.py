"""The identity URL (``/id/{orgId}/{userId}``) and OpenID ``/services/oauth2/userinfo``.

The token response's ``id`` is the identity URL; jsforce's ``identity()``
reads it and ``sf org login access-token`` reads userinfo to learn who the
token belongs to. Neither counts as an API call. Without a valid token both
answer 403 ``Bad_OAuth_Token`` as plain text, as Salesforce does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from emulators.salesforce.rest import Reply

if TYPE_CHECKING:
    from emulators.salesforce.org import Org

_BAD_TOKEN = Reply(403, "Bad_OAuth_Token", content_type="text/plain")


def _urls(org: Org, org_id: str, user_id: str, version: str = "59.0") -> dict[str, str]:
    base = org.base_url
    data = f"{base}/services/data/v{{version}}/"
    return {
        "enterprise": f"{base}/services/Soap/c/{{version}}/{org_id[:15]}",
        "metadata": f"{base}/services/Soap/m/{{version}}/{org_id[:15]}",
        "partner": f"{base}/services/Soap/u/{{version}}/{org_id[:15]}",
        "rest": data,
        "sobjects": data + "sobjects/",
        "search": data + "search/",
        "query": data + "query/",
        "recent": data + "recent/",
        "tooling_soap": f"{base}/services/Soap/T/{{version}}/{org_id[:15]}",
        "tooling_rest": data + "tooling/",
        "profile": f"{base}/{user_id}",
        "feeds": data + "chatter/feeds",
        "groups": data + "chatter/groups",
        "users": data + "chatter/users",
        "feed_items": data + "chatter/feed-items",
        "feed_elements": data + "chatter/feed-elements",
        "custom_domain": base,
    }


def _user(org: Org, token: str | None) -> dict[str, Any] | None:
    session = org.sessions.check(token)
    if session is None:
        return None
    return org.users.record(session.user_id)


def identity(org: Org, token: str | None, org_id: str, user_id: str) -> Reply:
    user = _user(org, token)
    if user is None:
        return _BAD_TOKEN
    if org_id != org.config.org_id or user_id != user["Id"]:
        # Salesforce only shows a token the identity of its own user.
        return Reply(403, "Bad_Id", content_type="text/plain")
    return Reply(
        200,
        {
            "id": f"{org.base_url}/id/{org_id}/{user_id}",
            "asserted_user": True,
            "user_id": user_id,
            "organization_id": org_id,
            "username": user["Username"],
            "nick_name": user["Alias"],
            "display_name": user["Name"],
            "email": user["Email"],
            "email_verified": True,
            "first_name": user["FirstName"],
            "last_name": user["LastName"],
            "timezone": user["TimeZoneSidKey"],
            "photos": {},
            "status": {"created_date": None, "body": None},
            "urls": _urls(org, org_id, user_id),
            "active": user["IsActive"],
            "user_type": "STANDARD",
            "language": user["LanguageLocaleKey"],
            "locale": user["LocaleSidKey"],
            "utcOffset": 0,
            "last_modified_date": user["LastModifiedDate"],
            "is_app_installed": True,
        },
    )


def userinfo(org: Org, token: str | None) -> Reply:
    user = _user(org, token)
    if user is None:
        return _BAD_TOKEN
    org_id, user_id = org.config.org_id, user["Id"]
    return Reply(
        200,
        {
            "sub": f"{org.base_url}/id/{org_id}/{user_id}",
            "user_id": user_id,
            "organization_id": org_id,
            "preferred_username": user["Username"],
            "nickname": user["Alias"],
            "name": user["Name"],
            "email": user["Email"],
            "email_verified": True,
            "given_name": user["FirstName"],
            "family_name": user["LastName"],
            "zoneinfo": user["TimeZoneSidKey"],
            "photos": {},
            "profile": f"{org.base_url}/{user_id}",
            "picture": None,
            "address": {},
            "is_salesforce_integration_user": False,
            "urls": _urls(org, org_id, user_id),
            "active": user["IsActive"],
            "user_type": "STANDARD",
            "language": user["LanguageLocaleKey"],
            "locale": user["LocaleSidKey"],
            "utcOffset": 0,
            "updated_at": user["LastModifiedDate"],
            "is_app_installed": True,
        },
    )
