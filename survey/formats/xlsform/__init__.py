"""XLSForm workbooks (.xlsx, as KoboToolbox and ODK use them) to survey documents and back.

Partners design surveys in XLSForm. We import what a Community Voice survey can honour and say
what changed to take the rest: :func:`read_xlsform` returns the document (valid for
``validate(document, require_translations=False)``) with its *changes*, each a ``Problem`` whose
``where`` is ``survey sheet, row 7`` (``choices sheet``, ``settings sheet``) and whose message is
catalog text with its details in ``params``, shown in the staff member's language. A form is
refused (:class:`InvalidDocument`, nothing saved) only when no meaningful survey is left: a file
that is not a readable .xlsx (or unpacks past 50 MB, or a sheet past row 20,000), no survey sheet
(a workbook of one sheet is read as it, as the reference converter does), no type column, two
questions of one name (references could not be told apart), or no question left.

Reading, by module: ``workbook`` (cells), ``table`` (headers, the notes kept by row),
``languages`` (``label::Swahili (sw)``), ``choices`` (choice lists), ``questions`` (one reader per
question type), ``expressions`` (``relevant`` and ``constraint``), ``rows`` (pages and rows), ``read`` (the
workbook to a document).
Writing: ``write``.

    ==============================================  =========================================
    XLSForm                                         survey document
    ==============================================  =========================================
    ``text`` (``appearance: multiline``)            ``short_text`` (``long_text``)
    ``integer`` / ``decimal``                       ``number`` (``integer: true`` for integer)
    ``range`` ``start=a end=b step=1``, 0<=a<b<=10  ``rating`` (other ranges: a ``number``)
    ``select_one L`` / ``select_multiple L``        ``single_choice`` / ``multiple_choice``
    (``select one from L``, ``rank L``...)          (a ranking loses its order: a change)
    ``... or_other`` / ``or specify other``         an ``other`` option and a short text
                                                    ``<name>_other`` shown when it is picked
    ``phone number``                                ``short_text`` with a ``pattern``
    ``date``, ``time``                              ``date``, ``time``
    ``datetime``                                    ``short_text`` (a change)
    ``acknowledge``                                 ``single_choice`` with the option ``OK``
    ``note``                                        the introduction (before any question) or
                                                    the next question's help
    ``begin group``/``end group`` (or repeat)       a page (key = name, title = label); a
                                                    group in a group joins the outer page; a
                                                    repeat is asked once (a change)
    ``relevant`` on a question or a group           ``show_if`` (a group's applies to each of
                                                    its questions): comparisons, selected(),
                                                    count-selected(), string-length(), and,
                                                    or, not(), on earlier questions
    ``constraint``                                  ``min``/``max`` (``. >= a``, ``. < b``),
                                                    ``max_length`` (``string-length(.) <= n``),
                                                    ``pattern`` (``regex(., 'p')``); other
                                                    parts are left out (a change)
    ``required``                                    yes/no; an expression: optional (a change)
    ``label``, ``hint``, ``guidance_hint``          ``text``, ``help`` (guidance appended)
    settings ``form_id``/``form_title``             ``slug`` (slugified) / ``title``
    settings ``default_language``                   ``default_locale``
    ==============================================  =========================================

    Left out, each named in the changes: calculations and hidden values, device and person
    metadata (``start``, ``deviceid``, ``phonenumber``...), locations, photos, recordings and
    files, external choices, unknown types, media columns, ``choice_filter`` (every choice is
    offered), ``default``, ``calculation``, ``trigger``, ``bind::`` columns, conditions and
    checks we cannot read. Names that are not keys are made keys (``1st q`` -> ``q_1st_q``).

Languages
    ``label``, ``label::Swahili (sw)``, ``label::Swahili``, ``label:sw``, ``LABEL::SW``: the code
    in parentheses wins over the name, and any BCP 47 code is a content language (``zh-Hant`` is
    Traditional Chinese, not our Simplified). A column without a language holds the default
    language: settings ``default_language``, else English when a column has no language or says
    English, else the first found. A column whose language cannot be placed is left out.

Writing
    :func:`xlsx_from_document` writes a workbook the reference converter (pyxform) turns into an
    XForm with no error and no warning: ``label::Swahili (sw)`` columns (primary subtags, which
    pyxform checks), pages as groups with ``appearance: field-list``, standard ``hint``, each
    kind's row from :meth:`survey.kinds.QuestionKind.xlsform_cells`, conditions as ``relevant``,
    a rating with end labels as a ``select_one`` of its points whose ends carry the labels. What
    XLSForm cannot say goes into ``cv_`` columns other tools ignore (``cv_kind``, settings
    ``cv_title``/``cv_intro``/``cv_thank_you``). The round trip is lossless for a valid document,
    except that text a spreadsheet would take for a formula gets a leading ``'``
    (:func:`survey.services.exports.neutralise_cell`), kept when read back, and ``${`` in a text is
    written ``$ {`` (XLSForm would read it as a reference to an answer). A content language
    with a script or region (``fa_AF``, ``zh_Hant``) is written with its full tag: lossless,
    though the reference converter, which checks primary subtags only, warns about it.
"""

from survey.formats.imported import Imported
from survey.formats.xlsform.languages import language_header, locale_of
from survey.formats.xlsform.read import document_from_xlsx, read_xlsform
from survey.formats.xlsform.write import xlsx_from_document

__all__ = [
    "Imported",
    "document_from_xlsx",
    "language_header",
    "locale_of",
    "read_xlsform",
    "xlsx_from_document",
]
