"""Text in an answer that addresses the grader instead of the interviewer. Every scorer runs this
first and keeps its verdict, whatever a model later says."""

import re
import unicodedata

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
    # a role marker ("System: ...") opens a line, a sentence or a bracket; not a Kubernetes name
    # that contains one ("system:masters", "flux-system:app", "kube-system: the namespace"), nor
    # prose ("and then we changed the system: the policies now run in CI")
    r"(?:^|(?<=[.!?;\[(<>\"'*#|]))[ \t]*(?:system|assistant|developer|user)\s*:(?![\w-])",
    rf"\b(?:scoring|grading|evaluation|{_GRADER}) (?:system|model|assistant)\s*:",
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
# The same moves in the other languages candidates try: ignore the instructions, give the top mark.
PATTERNS += [
    # French
    r"\b(?:ignore[zr]?|oublie[zr]?|ne tenez pas compte)\b[^.]{0,40}\b(?:instructions?|consignes?|grille|crit[eè]res?|bar[eè]me)\b",
    r"\b(?:donne[zr]?|attribue[zr]?|mets|mettez|accorde[zr]?)\b[^.]{0,40}\b(?:note|score|[eé]valuation)\b[^.]{0,30}\b(?:maximale|parfaite|excellente|5|cinq|20/20)\b",
    r"\bnote (?:maximale|parfaite)\b|\b(?:[àa] l'|au |pour l')(?:[eé]valuateur|correcteur|IA|intelligence artificielle)\b",
    # German
    r"\b(?:ignorier(?:e|en|t)?|vergiss|vergessen sie|missachte)\b[^.]{0,40}\b(?:anweisungen|anleitung|vorgaben|bewertungskriterien|kriterien|rubrik)\b",
    r"\b(?:gib|geben sie|vergib|vergeben sie|bewerte|bewerten sie)\b[^.]{0,40}\b(?:bestnote|h[öo]chstnote|h[öo]chstpunktzahl|maximalpunktzahl|h[öo]chste(?:n)? (?:note|punktzahl|bewertung)|volle(?:n)? punkt(?:zahl|e)|note (?:1|eins|5|f[üu]nf)|5 punkte|f[üu]nf punkte)\b",
    r"\b(?:an|f[üu]r) (?:den|die|das) (?:automatischen? )?(?:bewerter|pr[üu]fer|ki|bewertungssystem|sprachmodell)\b",
    # Italian and Dutch
    r"\b(?:assegna|assegni|assegnate|dai|date|dia)\b[^.]{0,40}\b(?:punteggio|voto) (?:massimo|pieno|di 5|di cinque)\b",
    r"\b(?:al|per il) (?:valutatore|correttore|sistema di valutazione)\b",
    r"\b(?:geef|geeft u|ken)\b[^.]{0,40}\b(?:hoogste|maximale|volle)\b[^.]{0,15}\b(?:score|cijfer|punten|beoordeling)\b",
    r"\b(?:aan (?:de|het)) (?:beoordelaar|beoordelingssysteem|ai)\b",
    # Spanish and Portuguese
    r"\b(?:ignora|ignore|ignorad|olvida|olvide)\b[^.]{0,40}\b(?:instrucciones|instruções|indicaciones|r[uú]brica|criterios|crit[eé]rios)\b",
    r"\b(?:da(?:le|me)?|d[ée](?:le)?|asign(?:a|e)(?:le)?|as[ií]gnele|otorg(?:a|ue)|califi(?:ca|que)|punt[uú](?:a|e)|d[eê])\b[^.]{0,40}\b(?:puntuaci[oó]n|nota|calificaci[oó]n|pontua[cç][aã]o)\b[^.]{0,30}\b(?:m[aá]xima|perfecta|perfeita|5|cinco)\b",
    r"\b(?:al|para el|para la|ao) (?:evaluador|corrector|calificador|modelo de ia|avaliador|ia|sistema de (?:evaluaci[oó]n|calificaci[oó]n|avalia[cç][aã]o))\b",
    # more English rewordings
    r"\b(?:disregard|ignore|forget)\b[^.]{0,25}\b(?:everything|all|anything) (?:above|before|previous|prior|said)\b",
    rf"\b(?:rate|score|grade|mark)\b[^.]{{0,25}}\b(?:every|each|all)\b[^.]{{0,20}}\b(?:competenc(?:y|ies)|criteri(?:on|a)|categor(?:y|ies)|dimensions?)\b[^.]{{0,20}}\b{_TOP}",
    rf"\b(?:this|my) (?:answer|response|submission) (?:deserves|merits|should (?:get|receive|be given)|earns)\b[^.]{{0,20}}\b{_TOP}",
    r"\b(?:you are now|from now on you are|act as|pretend (?:to be|you are)|roleplay as)\b[^.]{0,40}\b(?:grader|evaluator|examiner|assessor|scorer|judge|ai|model)\b",
    rf"\b(?:the )?(?:correct|right|expected|true|final) (?:grade|score|rating|mark) (?:is|would be|=)\b[^.]{{0,15}}\b{_TOP}",
]
_COMPILED = [re.compile(p, re.IGNORECASE | re.MULTILINE) for p in PATTERNS]
# The same patterns for text already in lower case, which they match about a third faster. Lowering
# a pattern is safe only while none of them uses an upper-case escape such as \S or \W.
if any(re.search(r"\\[A-Z]", p) for p in PATTERNS):
    raise ValueError("an injection pattern uses an upper-case escape, which cannot be lowered")
_LOWERED = [re.compile(p.lower(), re.MULTILINE) for p in PATTERNS]
# Each pattern without its leading word boundary: it matches wherever the pattern does (and in the
# middle of words too), and is searched about three times faster, so a pattern runs only on the
# few answers its gate lets through.
_GATES = {
    pattern: re.compile(pattern.pattern.removeprefix(r"\b"), pattern.flags)
    for pattern in _COMPILED + _LOWERED
}

# Letters from other scripts that look Latin, as used to slip past a filter ("ignore" spelled with
# a Cyrillic o). NFKC already folds full-width and other compatibility forms.
_CONFUSABLES = str.maketrans(
    "аеорсухіјѕԁɡοαεικνρτυχАВЕКМНОРСТХІЈЅΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",  # look-alikes are the point
    "aeopcyxijsdgoaeikvptuxABEKMHOPCTXIJSABEZHIKMNOPTYX",
)
_INVISIBLE = frozenset("\u00ad\u200b\u200c\u200d\u2060\ufeff")


def fold(text: str) -> tuple[str, list[int]]:
    """The text with compatibility forms, look-alike letters and invisible characters folded to
    plain Latin, and for each folded character the index of the original one it came from."""
    if text.isascii():  # nothing to fold: every look-alike and invisible character is outside ASCII
        return text, list(range(len(text)))
    folded: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        if char in _INVISIBLE:
            continue
        plain = unicodedata.normalize("NFKC", char).translate(_CONFUSABLES)
        folded.append(plain)
        origin += [index] * len(plain)
    return "".join(folded), origin


def injection_spans(text: str) -> list[tuple[int, int]]:
    """Character spans (of the original text) that look addressed to the grader, merged and in order."""
    plain, origin = fold(text)
    lowered = plain.lower()
    # a few letters grow when lowered ("İ"), which would shift every span after them
    patterns, searched = (_LOWERED, lowered) if len(lowered) == len(plain) else (_COMPILED, plain)
    found = [
        (m.start(), m.end())
        for pattern in patterns
        if _GATES[pattern].search(searched)
        for m in pattern.finditer(searched)
        if m.end() > m.start()
    ]
    spans = sorted((origin[a], origin[b - 1] + 1) for a, b in found)
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
