"""Messages residents see when an answer cannot be taken.

They are marked with :func:`N_` so the catalog extractor finds them, and translated when shown,
through the translations object the caller hands to the form (WTForms' ``field.gettext``).
"""

from __future__ import annotations


def N_(message: str) -> str:
    return message


REQUIRED = N_("Please answer this question.")
NOT_A_CHOICE = N_("Please choose one of the options shown.")
TOO_LONG = N_("Please keep your answer under %(max)s characters (it has %(length)s).")
NOT_A_NUMBER = N_("Please enter a number, using digits only.")
NOT_WHOLE = N_("Please enter a whole number.")
TOO_SMALL = N_("Please enter a number of at least %(min)s.")
TOO_LARGE = N_("Please enter a number no larger than %(max)s.")
NOT_A_DATE = N_("Please enter a date as year-month-day, for example 2025-03-31.")
NOT_A_TIME = N_("Please enter a time as hours:minutes, for example 14:30.")
WRONG_FORM = N_(
    "Please check how your answer is written: it is not in the form this question asks for."
)

#: the label of the option every demographic question offers
PREFER_NOT_TO_SAY = N_("Prefer not to say")
