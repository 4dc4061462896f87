"""Do spoken answers come out as they were said, and score like their text? 35 competent answers
(benchmarks/spoken/answers.jsonl) spoken by several synthetic voices (espeak-ng variants, flite,
festival), clean and with room noise at about 20 dB SNR, each followed by 8 s of silence or noise,
encoded as Chrome does (WebM/Opus, no duration), transcribed with the question's glossary.

Per voice and condition: word error rate, domain-term recall (the glossary terms the answer says),
invented words (recognised after the speech ended, or closings such as "Thank you very much"
the answer never said) and mean |spoken score - typed score|. The same
recordings also go through the transcriber as it was before issue 12 (no voice activity detection,
no guards, no vocabulary correction): the baseline measured in the same run.

Run from the repository root: .venv/bin/python benchmarks/spoken_answers.py
[--model NAME --model OTHER] [--answers N] [--no-baseline] (COACH_WHISPER_MODEL is the default;
numbers only, no pass/fail)."""

import argparse
import json
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import wave
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.config import get_settings
from app.media.audio import decode_audio
from app.media.transcription import Transcriber, WhisperTranscriber, load_whisper_model
from app.paths import QUESTION_BANK_DIR
from app.questions.bank_files import load_bank
from app.questions.cues import normalize_spoken
from app.questions.schemas import QuestionFile
from app.scoring.rubric import RubricScorer
from app.scoring.schemas import ScoringInput
from tests.media.media_files import encode_audio

ANSWERS = Path(__file__).parent / "spoken" / "answers.jsonl"
RATE = 16_000
TAIL_SECONDS = 8.0
SNR_DB = 20.0
INVENTED_AFTER_SECONDS = 0.5  # a word starting this long after the speech ended was not said
# Closings Whisper writes over silence, sometimes squeezed into the last second of speech.
CLOSINGS = re.compile(
    r"\b(?:thank you|thanks)(?: (?:very|so) much)?(?: for (?:watching|listening))?\b|\bsubscribe\b"
)
# name -> command; {out} is the wav written, {text} the text file read.
VOICES = {
    "espeak-ng en-us": "espeak-ng -v en-us -w {out} -f {text}",
    "espeak-ng en-gb+f3": "espeak-ng -v en-gb+f3 -s 165 -w {out} -f {text}",
    "flite slt": "flite -voice slt -f {text} -o {out}",
    "flite awb": "flite -voice awb -f {text} -o {out}",
    "flite rms": "flite -voice rms -f {text} -o {out}",
    "festival kal": "text2wave -o {out} {text}",
}


@dataclass
class Result:
    heard: str
    wer: float
    recall: float | None
    invented: int
    score_difference: float
    processing_seconds: float
    audio_seconds: float


class BeforeIssue12:
    """The transcriber as it was: hotwords, no voice activity detection, the model's text as is."""

    def __init__(self, model: str, compute_type: str) -> None:
        self.model, self.compute_type = model, compute_type

    def transcribe(self, path: Path, hotwords: list[str]) -> tuple[str, list[float]]:
        clip = decode_audio(path)
        segments, _ = load_whisper_model(self.model, self.compute_type).transcribe(
            clip.samples, word_timestamps=True, hotwords=", ".join(hotwords) or None, vad_filter=False
        )
        segments = list(segments)
        return "".join(s.text for s in segments).strip(), [w.start for s in segments for w in s.words or []]


def speaks(voice: str) -> bool:
    """Whether this voice is installed and works (festival needs a voice package beside it)."""
    if not shutil.which(VOICES[voice].split()[0]):
        return False
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "text.txt").write_text("Argo CD.")
        out = Path(folder) / "out.wav"
        command = VOICES[voice].format(out=out, text=Path(folder) / "text.txt").split()
        return subprocess.run(command, capture_output=True).returncode == 0 and out.exists()


def read_wav(path: Path) -> np.ndarray:
    return decode_audio(path).samples


def write_wav(samples: np.ndarray, path: Path) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes((np.clip(samples, -1, 1) * 32767).astype(np.int16).tobytes())
    return path


def room_noise(seconds: float, folder: Path) -> np.ndarray:
    """Brown and pink noise, low-passed: a fan and a room more than a hiss (sox)."""
    path = folder / "noise.wav"
    subprocess.run(
        ["sox", "-R", "-n", "-r", str(RATE), "-c", "1", str(path), "synth", f"{seconds:.2f}", "brownnoise",
         "synth", "pinknoise", "mix", "lowpass", "3000"],
        check=True, capture_output=True,
    )  # fmt: skip
    return read_wav(path)


def recording(text: str, voice: str, noisy: bool, folder: Path) -> tuple[Path, float]:
    """The answer spoken, then TAIL_SECONDS of silence or noise, as WebM/Opus; and when speech ends."""
    (folder / "text.txt").write_text(text)
    spoken = folder / "spoken.wav"
    subprocess.run(
        VOICES[voice].format(out=spoken, text=folder / "text.txt").split(), check=True, capture_output=True
    )
    speech = read_wav(spoken)
    speech_seconds = len(speech) / RATE
    samples = np.concatenate([speech, np.zeros(int(TAIL_SECONDS * RATE), np.float32)])
    if noisy:
        noise = room_noise(len(samples) / RATE, folder)[: len(samples)]
        loud = speech[np.abs(speech) > 0.01]
        gain = np.sqrt(np.mean(loud**2)) / (np.sqrt(np.mean(noise**2)) * 10 ** (SNR_DB / 20))
        samples = samples[: len(noise)] + gain * noise
    webm = encode_audio(write_wav(samples, folder / "answer.wav"), folder / "answer.webm")
    return webm, speech_seconds


def word_error_rate(reference: str, heard: str) -> float:
    ref, hyp = normalize_spoken(reference).split(), normalize_spoken(heard).split()
    row = list(range(len(hyp) + 1))
    for i, word in enumerate(ref, 1):
        previous, row[0] = row[0], i
        for j, other in enumerate(hyp, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (word != other))
    return row[-1] / max(1, len(ref))


def terms_in(text: str, glossary: list[str]) -> set[str]:
    spoken = f" {normalize_spoken(text)} "
    return {term for term in glossary if f" {normalize_spoken(term)} " in spoken}


def closing_words(heard: str, text: str) -> int:
    """Words of closings ("Thank you very much", "thanks for watching") the answer never said."""
    said = len(CLOSINGS.findall(text.lower()))
    found = CLOSINGS.findall(re.sub(r"[^a-z ]", "", heard.lower()))
    return sum(len(closing.split()) for closing in found[said:])


def measure(
    transcribe: Transcriber | BeforeIssue12,
    webm: Path,
    speech_seconds: float,
    question: QuestionFile,
    text: str,
    scorer: RubricScorer,
) -> Result:
    started = time.perf_counter()
    if isinstance(transcribe, BeforeIssue12):
        heard, starts = transcribe.transcribe(webm, question.glossary)
    else:
        transcript = transcribe.transcribe(webm, question.glossary)
        heard, starts = transcript.text, [w.start for w in transcript.words]
    elapsed = time.perf_counter() - started
    expected = terms_in(text, question.glossary)
    recall = len(expected & terms_in(heard, question.glossary)) / len(expected) if expected else None
    typed = scorer.score(ScoringInput(question=question, text=text)).overall
    spoken = scorer.score(ScoringInput(question=question, text=heard or "(nothing)")).overall
    invented = sum(start > speech_seconds + INVENTED_AFTER_SECONDS for start in starts) + closing_words(
        heard, text
    )
    duration = speech_seconds + TAIL_SECONDS
    return Result(
        heard, word_error_rate(text, heard), recall, invented, abs(spoken - typed), elapsed, duration
    )


def summary(label: str, results: list[Result]) -> str:
    recalls = [r.recall for r in results if r.recall is not None] or [1.0]
    speed = sum(r.audio_seconds for r in results) / sum(r.processing_seconds for r in results)
    return (
        f"{label:34s} {len(results):3d} {statistics.mean(r.wer for r in results):6.3f} "
        f"{statistics.mean(recalls):7.2f} {sum(r.invented for r in results):8d} "
        f"{statistics.mean(r.score_difference for r in results):7.2f} {speed:6.1f}x"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", action="append", help="a model to compare (repeatable)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the before-issue-12 transcriber")
    parser.add_argument("--answers", type=int, default=None, help="only the first N answers")
    parser.add_argument("--transcripts", type=Path, help="write every transcript to this JSONL file")
    options = parser.parse_args()
    settings = get_settings()
    voices = [v for v in VOICES if speaks(v)]
    bank = load_bank(QUESTION_BANK_DIR)
    questions, scorer = {q.id: q for q in bank.questions}, RubricScorer(bank.questions)
    models, compute_type = options.model or [settings.whisper_model], settings.whisper_compute_type
    transcribers: dict[str, Transcriber | BeforeIssue12] = {
        f"now {Path(model).name}": WhisperTranscriber(model, compute_type) for model in models
    }
    if not options.no_baseline:
        transcribers[f"before {Path(models[0]).name}"] = BeforeIssue12(models[0], compute_type)
    for model in models:
        started = time.perf_counter()
        load_whisper_model(model, compute_type)
        print(f"model {model} ({compute_type}) loaded in {time.perf_counter() - started:.1f} s")
    print(f"voices: {', '.join(voices)} (missing: {', '.join(set(VOICES) - set(voices)) or 'none'})")
    rows = [json.loads(line) for line in ANSWERS.read_text().splitlines() if line.strip()][: options.answers]
    results: dict[tuple[str, str, str], list[Result]] = defaultdict(list)
    with tempfile.TemporaryDirectory() as folder:
        for index, row in enumerate(rows):
            voice = voices[index % len(voices)]
            for condition in ("clean", "noise 20 dB"):
                webm, speech_seconds = recording(row["text"], voice, condition != "clean", Path(folder))
                for name, transcriber in transcribers.items():
                    result = measure(
                        transcriber, webm, speech_seconds, questions[row["question"]], row["text"], scorer
                    )
                    results[(name, voice, condition)].append(result)
                    if options.transcripts:
                        line = {"id": row["id"], "voice": voice, "condition": condition, "by": name}
                        with options.transcripts.open("a") as out:
                            out.write(json.dumps({**line, "heard": result.heard}) + "\n")
                    print(
                        f"  {row['id']:20s} {summary(f'{voice}, {condition}, {name}', [result])}",
                        file=sys.stderr,
                    )
    header = f"{'':34s} {'n':>3s} {'WER':>6s} {'recall':>7s} {'invented':>8s} {'|Δscore|':>7s} {'speed':>7s}"
    for name in transcribers:
        print(f"\n{name}: {header}")
        for (who, voice, condition), found in sorted(results.items()):
            if who == name:
                print(summary(f"{voice}, {condition}", found))
        for condition in ("clean", "noise 20 dB"):
            merged = [
                r for (who, _, c), found in results.items() if who == name and c == condition for r in found
            ]
            print(summary(f"ALL, {condition}", merged))
        print(summary("ALL", [r for (who, _, _), found in results.items() if who == name for r in found]))
    print(f"\npeak resident memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
