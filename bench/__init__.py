"""The performance suite (``crosssell bench``); see ``bench/suite.py``."""
