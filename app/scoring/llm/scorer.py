"""The LLM scorer: an OpenAI-compatible model grades the answer against the question's key points,
red flags and competency anchors; every claim it makes is checked before it is reported.

The model only judges. Quotes are verified against the transcript, ids against the question,
the overall score is computed here, and the offline injection detector's verdict always stands.
Whenever the model cannot give a usable judgement, the offline rubric report is returned instead,
labelled as a fallback with a reason a user can read."""

import logging

from app.config import Settings
from app.metrics import SCORER_FALLBACKS
from app.questions.schemas import CompetencyFile
from app.scoring.injection import injection_spans
from app.scoring.llm.aggregate import SCORER_VERSION, build_report
from app.scoring.llm.client import Calls, ChatClient
from app.scoring.llm.prompt import grading_messages, re_ask
from app.scoring.llm.quotes import check_samples
from app.scoring.llm.replies import InvalidReply, Judgement, ScorerUnavailable, invalid_reason, parse_choice
from app.scoring.policy import measured_flags
from app.scoring.rubric import RubricScorer
from app.scoring.schemas import ScoreReport, ScoringInput

log = logging.getLogger(__name__)

FALLBACK_SUFFIX = "; scored by the offline rubric scorer instead."


class LLMScorer:
    name = "llm"
    version = SCORER_VERSION

    def __init__(self, settings: Settings, fallback: RubricScorer, competencies: CompetencyFile) -> None:
        self._settings = settings
        self._fallback = fallback
        self._competencies = competencies  # the caller's: the database's in the pipeline
        self._client = ChatClient(settings)

    def score(self, answer: ScoringInput) -> ScoreReport:
        """The model's judgement turned into a checked report, or the rubric report on any failure."""
        answer = self._fallback.held_to(answer)
        injected = injection_spans(answer.text)
        calls = Calls(model=self._settings.llm_model)
        try:
            judgements = self._judge(answer, calls)
        except ScorerUnavailable as exc:
            return self._fall_back(answer, exc.reason, calls)
        samples, dropped = check_samples(judgements, answer, injected)
        measured = measured_flags(self._fallback.features(answer))
        report = build_report(answer, samples, force_injection=bool(injected), measured=measured)
        return report.model_copy(update={"dropped_quotes": dropped, "usage": calls.usage(len(samples))})

    def _fall_back(self, answer: ScoringInput, reason: str, calls: Calls) -> ScoreReport:
        log.info("LLM scorer fell back to the rubric for question %s: %s", answer.question.id, reason)
        SCORER_FALLBACKS.labels(self.name).inc()
        report = self._fallback.score(answer)
        usage = calls.usage(0) if calls.attempts else None
        update = {"fallback": True, "fallback_reason": reason + FALLBACK_SUFFIX, "usage": usage}
        return report.model_copy(update=update)

    # --- asking the model ---------------------------------------------------------------------

    def _judge(self, answer: ScoringInput, calls: Calls) -> list[Judgement]:
        """`llm_samples` valid judgements (fewer if the re-asks run out), re-asking on bad replies."""
        wanted = self._settings.llm_samples
        messages = grading_messages(answer, self._competencies)
        valid: list[Judgement] = []
        re_asks = 0
        while len(valid) < wanted:
            problems: list[tuple[str, InvalidReply]] = []
            choices = self._client.complete(messages, wanted - len(valid), calls)
            if not choices:
                problems.append(("", InvalidReply("json", "the reply had no choices")))
            for choice in choices:
                try:
                    valid.append(parse_choice(choice, answer.question))
                except InvalidReply as exc:
                    problems.append((choice.message.content or "", exc))
            if not problems:
                continue  # the server gave fewer choices than asked for: ask for the rest
            if re_asks >= self._settings.llm_max_retries:
                if valid:
                    break
                raise ScorerUnavailable(invalid_reason(problems[-1][1], re_asks + 1))
            re_asks += 1
            log.debug("LLM reply unusable (%s); asking again", problems[0][1].detail)
            messages = [*messages, *re_ask(*problems[0])]
        return valid
