"""`gitops-coach score`, single and batch, as an operator runs it."""

import json
from pathlib import Path

from typer.testing import CliRunner

from app.cli import cli
from app.scoring.schemas import ScoreReport

runner = CliRunner()
GOOD = (
    "Argo CD compares the live state with the desired state from Git and marks the app out of sync. Only "
    "automated sync with self heal reverts the edit; prune only deletes resources removed from Git. The fix "
    "is a pull request that puts the new limit in Git."
)


def test_score_one_answer_as_text_and_as_json() -> None:
    text = runner.invoke(cli, ["score", "--question", "drift-manual-edit", "--text", GOOD])
    assert text.exit_code == 0, text.output
    assert text.output.startswith("drift-manual-edit: overall ")
    assert "covered: selfheal-reverts" in text.output
    as_json = runner.invoke(
        cli, ["score", "--question", "drift-manual-edit", "--text", GOOD, "--format", "json"]
    )
    report = ScoreReport.model_validate_json(as_json.output)
    assert report.scorer == "rubric"
    assert report.question_version == 0
    assert report.overall >= 3.0


def test_score_reads_an_answer_file(tmp_path: Path) -> None:
    answer = tmp_path / "answer.txt"
    answer.write_text(GOOD)
    result = runner.invoke(
        cli, ["score", "--question", "drift-manual-edit", "--answer-file", str(answer), "--format", "json"]
    )
    assert ScoreReport.model_validate_json(result.output).overall >= 3.0


def test_score_explains_a_wrong_call() -> None:
    unknown = runner.invoke(cli, ["score", "--question", "no-such-question", "--text", GOOD])
    assert unknown.exit_code == 1
    assert "no question 'no-such-question'" in unknown.output
    neither = runner.invoke(cli, ["score", "--question", "drift-manual-edit"])
    assert neither.exit_code == 1
    assert "exactly one of --answer-file or --text" in neither.output


def test_batch_writes_one_report_per_line_in_order_and_marks_bad_lines(tmp_path: Path) -> None:
    lines = [
        json.dumps({"question": "drift-manual-edit", "text": GOOD}),
        "this is not json",
        json.dumps({"question": "sync-interval", "text": "Argo CD polls every three minutes by default."}),
        json.dumps({"question": "ghost", "text": "x"}),
        json.dumps({"question": "drift-manual-edit"}),
    ]
    batch = tmp_path / "answers.jsonl"
    batch.write_text("\n".join(lines) + "\n")
    result = runner.invoke(cli, ["score", "--batch", str(batch)])
    assert result.exit_code == 1
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == 5
    assert ScoreReport.model_validate(out[0]).question == "drift-manual-edit"
    assert out[1]["line"] == 2
    assert "not valid JSON" in out[1]["error"]
    assert ScoreReport.model_validate(out[2]).question == "sync-interval"
    assert out[3] == {"line": 4, "error": "There is no question 'ghost' in the question bank."}
    assert "string fields" in out[4]["error"]
    assert "3 line(s)" in result.output
