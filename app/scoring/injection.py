"""Text in an answer that addresses the grader instead of the interviewer. Every scorer runs this
first and keeps its verdict, whatever a model later says."""

import re

# Words that name the grader. "model", "assistant" and "bot" are common in GitOps talk
# ("the pull model"), so they count only where the sentence clearly addresses a grader.
_GRADER = r"(?:ai|a\.i\.|grader|evaluator|assessor|scorer|llm|language model|chatbot|gpt|scoring (?:model|system|engine))"
_ANY_GRADER = rf"(?:{_GRADER}|model|assistant|bot)"
_NOT_A_DURATION = r"(?!\s*(?:minutes?|seconds?|hours?|days?|replicas?|pods?|nodes?|clusters?|environments?|times?|percent|%|steps?|stages?|teams?))"
_TOP = rf"(?:excellent|perfect|full marks|top marks|maximum|highest|expert|level (?:5|five)|(?:a |an )?(?:5|five)\b{_NOT_A_DURATION})"
PATTERNS = [
    # speaking to the grader
    rf"\b(?:note|message|instructions?|attention|hey|hi|dear|hello)\s*,?\s+(?:to |for )?(?:the |this |any |an? )?(?:automated |ai )?{_ANY_GRADER}\b",
    rf"\b(?:to|for) (?:the|any|this) (?:automated |ai )?{_GRADER}\b",
    rf"\b(?:to|for) (?:the|any|this) (?:automated )?{_ANY_GRADER} (?:reading|grading|reviewing|scoring|evaluating|marking)\b",
    rf"\bas (?:the|an|a) (?:automated |ai )?{_GRADER}\b",
    r"\bas the (?:evaluator|grader|assessor|scorer|examiner) of\b",
    r"\b(?:you are|you're|you must|your job is|your task is|you should)\b[^.]{0,40}\b(?:grade|grading|grader|evaluator|scoring|scorer|rubric)\b",
    rf"\bscored by (?:an? |the )?(?:{_ANY_GRADER})\b",
    # role markers and instruction overrides
    r"\b(?:system|assistant|developer|user)\s*:",
    r"\b(?:system|developer) (?:prompt|message|instruction|override)s?\b",
    r"\bassistant\s*,",
    r"\b(?:new|updated|additional|special|hidden) instructions? (?:for|to)\b",
    r"\b(?:ignore|disregard|forget|bypass|override|supersedes?)\b[^.]{0,40}\b(?:instructions?|rubric|criteria|guidelines|prompt|red flags? list|scoring|grading)\b",
    r"\b(?:test|evaluation|debug|developer|admin|god|lenient|jailbreak|grading) mode\b",
    r"\b(?:do not|don't|dont|never) (?:mention|reveal|lower|reduce|penalise|penalize)\b[^.]{0,30}\b(?:instruction|grade|score|rating)\b",
    r"\b(?:skip|stop) the (?:remaining |other )?(?:checks|evaluation|scoring|grading)\b",
    r"\brubric\b",
    r"\bkey points? (?:as |are |were )?(?:all )?covered\b|\bmark (?:all|every) (?:the )?key points?\b",
    # demanding a score
    rf"\b(?:give|rate|score|grade|mark|record|output|set|assign|award|respond with|confirm)\b[^.]{{0,40}}\b(?:grade|score|rating|marks?)\b[^.]{{0,20}}\b{_TOP}",
    rf"\b(?:give|rate|score|grade|mark|record|assign|award)\s+(?:this|me|it|my|the)\b[^.]{{0,30}}\b(?:as |a |an )?(?:excellent|perfect|full marks|top marks|(?:a |an )(?:5|five)\b{_NOT_A_DURATION})",
    rf"\b(?:grade|score|rating|marks?)\s*(?:=|equals?|equal to|of|as|is)\s*{_TOP}",
    r"\b(?:5|five) out of (?:5|five)\b|\b5/5\b|\b10/10\b",
    rf"\b(?:grade|score|rating|marks?)s?\b[^.]{{0,40}}\b(?:must|should|shall|needs? to|has to)\s+be\b[^.]{{0,25}}\b{_TOP}",
    rf"\b(?:must|should|shall|please|to)\s+(?:assign|award|give|record|return|output|grade)\b[^.]{{0,30}}\b{_TOP}",
    r"[\"']?(?:grade|score|rating|overall)[\"']?\s*[:=]\s*[\"']?(?:5|five|10|excellent|perfect)\b",
    # claims about the grading process itself
    r"\bbefore (?:scoring|grading|marking|evaluating|you score|you grade)\b",
    r"\bautomated (?:tools?|graders?|grading|scor\w+|systems?|review\w*|evaluat\w+)\b",
    r"\b(?:do|does|should|must)\s+not\s+(?:lower|reduce|re-?score|re-?grade|re-?evaluate|mark (?:it |this )?down)\b",
    r"\b(?:output|response|answer) you (?:should|must) (?:return|give|produce|output)\b",
    r"\breference answer\b",
    r"\b(?:approved|verified|pre-?approved|signed off)\b[^.]{0,40}\b(?:panel|interviewer|hiring (?:manager|team)|recruiter)s?\b",
    r"\b(?:panel|interviewer|hiring (?:manager|team)|recruiter)s?\b[^.]{0,40}\b(?:already )?(?:approved|verified|pre-?approved|signed off)\b",
]
_COMPILED = [re.compile(p, re.IGNORECASE | re.MULTILINE) for p in PATTERNS]


def injection_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of text that looks addressed to the grader, merged and in order."""
    spans = sorted((m.start(), m.end()) for pattern in _COMPILED for m in pattern.finditer(text))
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
