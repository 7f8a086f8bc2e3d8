from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from analysis.cli import main, score_labels
from analysis.learned import TrainingExample

ROOT = Path(__file__).resolve().parents[2]


def run(argv: list[str], lines: list[str]) -> tuple[int, list[dict[str, object]], str]:
    stdin = io.StringIO("".join(line + "\n" for line in lines))
    stdout = io.StringIO()
    code = main(argv, stdin=stdin, stdout=stdout)
    return (
        code,
        [json.loads(x) for x in stdout.getvalue().splitlines() if x.startswith("{")],
        stdout.getvalue(),
    )


def line(**record: object) -> str:
    return json.dumps(record, ensure_ascii=False)


def test_tag_with_no_options_uses_the_default_codebook() -> None:
    code, out, _ = run(
        ["tag", "--no-semantic"], [line(id="1", text="The rent is too high", lang="en")]
    )
    assert code == 0
    assert out == [
        {
            "id": "1",
            "lang": "en",
            "themes": ["housing"],
            "scores": {"housing": out[0]["scores"]["housing"]},
            "sentiment": out[0]["sentiment"],
        }
    ]
    assert isinstance(out[0]["sentiment"], float)


def test_hard_inputs_are_answered_not_crashed_on() -> None:
    code, out, _ = run(
        ["tag", "--no-semantic"],
        [
            line(id="empty", text=""),
            line(id="emoji", text="🙏🏽🙏🏽"),
            line(id="huge", text="rent " * 20_000),
            line(id="odd", text="Rent is high", lang="tlh"),
            line(id=7, text="Parks"),
        ],
    )
    assert code == 0
    by_id = {r["id"]: r for r in out}
    assert set(by_id) == {"empty", "emoji", "huge", "odd", "7"}
    assert by_id["empty"]["themes"] == []
    assert by_id["empty"]["sentiment"] is None
    assert by_id["emoji"]["sentiment"] is None
    assert "housing" in by_id["huge"]["themes"]
    assert by_id["odd"]["lang"] == "en"


def test_a_malformed_line_stops_with_its_number(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        ["tag", "--no-semantic"], [line(id="1", text="rent"), "{not json", line(id="3", text="x")]
    )
    assert code != 0
    assert "line 2" in capsys.readouterr().err
    assert [r["id"] for r in out] == ["1"]


def test_skip_bad_reports_and_carries_on(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        ["tag", "--no-semantic", "--skip-bad"],
        [
            line(id="1", text="rent"),
            "[1, 2]",
            line(text="no id"),
            line(id="4", text=5),
            line(id="5", text="bus"),
        ],
    )
    assert code == 0
    assert [r["id"] for r in out] == ["1", "5"]
    err = capsys.readouterr().err
    for number in (2, 3, 4):
        assert f"line {number}" in err


def test_train_then_tag_with_the_model_speaks_the_models_labels(
    tmp_path: Path, training_examples: list[TrainingExample]
) -> None:
    model = tmp_path / "model"
    training = [
        line(id=str(i), text=e.text, themes=list(e.themes)) for i, e in enumerate(training_examples)
    ]
    code, _, _ = run(["train", "--model", str(model), "--no-semantic"], training)
    assert code == 0
    assert json.loads((model / "model.json").read_text())["labels"] == [
        "housing",
        "parks",
        "transport",
    ]
    code, out, _ = run(
        ["tag", "--model", str(model), "--no-semantic"],
        [
            line(id="a", text="Landlords keep raising the rent"),
            line(id="b", text="Our schools need teachers"),
        ],
    )
    assert code == 0
    assert set(out[0]["themes"]) <= {"housing", "parks", "transport"}
    assert "housing" in out[0]["themes"]
    assert "education" not in out[1]["themes"]  # no codebook unless asked for
    code, out, _ = run(
        ["tag", "--model", str(model), "--codebook", "default", "--no-semantic"],
        [line(id="b", text="Our schools need teachers")],
    )
    assert "education" in out[0]["themes"]


def test_train_rejects_lines_without_themes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, _ = run(
        ["train", "--model", str(tmp_path / "m"), "--no-semantic"], [line(id="1", text="rent")]
    )
    assert code != 0
    assert "line 1" in capsys.readouterr().err


def test_evaluate_reports_per_label_and_averages(tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    pred = tmp_path / "pred.jsonl"
    gold.write_text(
        "\n".join(
            [line(id="1", text="a", themes=["housing"]), line(id="2", text="b", themes=["jobs"])]
        )
        + "\n"
    )
    pred.write_text(
        "\n".join([line(id="1", themes=["housing", "jobs"]), line(id="2", themes=[])]) + "\n"
    )
    code, out, _ = run(["evaluate", "--gold", str(gold), "--pred", str(pred), "--json"], [])
    assert code == 0
    report = out[0]
    assert report["macro_f1"] == pytest.approx(0.5)  # housing 1.0, jobs 0.0
    assert report["micro_f1"] == pytest.approx(0.5)


def test_score_labels_counts_missing_predictions_as_empty() -> None:
    rows, averages = score_labels({"1": ["a"], "2": ["a"]}, {"1": ["a"]})
    assert rows[0].recall == 0.5
    assert averages["macro_precision"] == 1.0


def test_python_dash_m_analysis_runs_as_a_program() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "analysis", "tag", "--no-semantic"],
        input=line(id="1", text="Más parques para los niños", lang="es") + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONWARNINGS": "error"},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["lang"] == "es"
    assert record["sentiment"] is None


def test_the_library_imports_without_flask_or_the_app() -> None:
    code = (
        "import sys, analysis, analysis.cli, analysis.combine, analysis.learned, analysis.summary, "
        "analysis.semantic, analysis.phrases, analysis.redact, analysis.sentiment, analysis.language\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in {'flask', 'survey', 'forms'}]\n"
        "assert not bad, bad"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert result.returncode == 0, result.stderr
