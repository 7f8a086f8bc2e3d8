"""Site staff design, translate, publish and share surveys: ``/sites/<site>/surveys/…``.

One module per feature, all on the one ``design`` blueprint (endpoints ``design.*``):

- ``surveys``: the site's survey list, import, the survey page (texts, languages, pages, status,
  next round, JSON/XLSForm export);
- ``questions``: add, edit, move and delete questions;
- ``translate``: side-by-side translation and PO files;
- ``publish``: the phone preview and publishing;
- ``share``: links, QR codes, the poster and the paper survey;
- ``paper``: typing in paper answers.

Every page loads the site through ``staff.site`` (404 for people with no role there, 403 for
analysts on pages that change things), calls a service, and renders or redirects.
"""

from survey.web.design import paper, publish, questions, share, surveys, translate
from survey.web.design.base import bp

__all__ = ["bp", "paper", "publish", "questions", "share", "surveys", "translate"]
