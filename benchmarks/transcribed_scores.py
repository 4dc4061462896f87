"""Do spoken answers score like their text? Speaks dev-set answers with espeak-ng, encodes them
as Chrome does (WebM/Opus, no duration), transcribes them with the default transcriber and the
question's glossary, and compares the scores and the domain terms with those of the text."""

import json
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.config import DEFAULT_QUESTION_BANK, get_settings
from app.media.transcription import build_transcriber
from app.questions.bank_files import load_bank
from app.questions.cues import normalize_spoken
from app.scoring.rubric import RubricScorer
from app.scoring.schemas import ScoringInput
from tests.media.media_files import encode_audio, speak

DEV_SET = Path(__file__).parent / "eval" / "dev_set.jsonl"
KINDS = ("normal", "negation", "short-excellent", "misconception")
PER_KIND = 4


def terms_in(text: str, glossary: list[str]) -> set[str]:
    spoken = f" {normalize_spoken(text)} "
    return {term for term in glossary if f" {normalize_spoken(term)} " in spoken}


def main() -> int:
    bank = load_bank(DEFAULT_QUESTION_BANK)
    questions = {q.id: q for q in bank.questions}
    scorer, transcriber = RubricScorer(bank.questions), build_transcriber(get_settings())
    rows = [json.loads(line) for line in DEV_SET.read_text().splitlines()]
    chosen = [r for kind in KINDS for r in [r for r in rows if r["kind"] == kind][:PER_KIND]]
    folder = Path(tempfile.mkdtemp(prefix="coach-spoken-"))
    differences, recalls = [], []
    for row in chosen:
        question = questions[row["question"]]
        webm = encode_audio(speak(row["text"], folder / "a.wav"), folder / "a.webm")
        heard = transcriber.transcribe(webm, question.glossary).text
        text_score = scorer.score(ScoringInput(question=question, text=row["text"])).overall
        heard_score = scorer.score(ScoringInput(question=question, text=heard)).overall
        expected = terms_in(row["text"], question.glossary)
        if expected:
            recalls.append(len(expected & terms_in(heard, question.glossary)) / len(expected))
        differences.append(heard_score - text_score)
        print(f"{row['id']:30s} grade {row['grade']}  text {text_score:.1f}  spoken {heard_score:.1f}")
    print(f"answers: {len(chosen)}")
    print(f"mean |spoken - text| overall: {statistics.mean(abs(d) for d in differences):.2f}")
    print(f"mean spoken - text overall: {statistics.mean(differences):+.2f}")
    print(f"domain-term recall in transcripts: {statistics.mean(recalls):.0%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
