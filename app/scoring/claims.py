"""Whether an answer asserts a claim, as opposed to naming it, rejecting it or describing its topic.

A red flag stands for a false claim ("prune reverts manual edits"). An answer asserts it when a
short stretch of one sentence carries most of the claim's distinctive words (or one of the flag's
cue phrases) and nothing around that stretch rejects it: a negation ("doesn't", "I wouldn't
use X and Y"), a consequence that condemns it ("X would drift apart", "X is refused"), a
contrast ("instead of X"), a preference ("I'd recommend webhooks over X"), a reported belief
("people assume X, but"), a heading that refuses it ("what I wouldn't do is X"), a concession
("X looks tidy, but ..."), X told as the cause of an incident, or X told as a practice the team
has left behind ("originally we had X ... we moved to Y"). A negation after an endorsement is the
speaker's reason for X ("X, which is fine since the value isn't readable"), not a rejection. A
stretch that reads more like the question's correct statements than like the claim is a correct
statement on the same topic, not the claim; so is one that does not name the thing the claim is
about ("selfHeal reverts manual changes" is not "prune reverts manual changes")."""

from dataclasses import dataclass
from functools import cached_property
from itertools import groupby, pairwise, takewhile

from app.questions.cues import normalize_spoken
from app.scoring.text import AnalysedText, Token, stem

NEGATION_WINDOW = 10  # words before a claim that can negate it ("I would never ... X")
REJECTION_WINDOW = 10  # words after it that can condemn it ("X ... would drift apart")
CLAIM_WINDOW = 14  # a claim's words lie within this many words of each other
CLAIM_AT = 0.72  # share of a claim's distinctive weight that asserts it
CLAIM_TERMS = 6  # a claim sentence names more than a speaker will: its most distinctive words
COORDINATORS = frozenset("and or plus while whereas".split())  # what joins two clauses about two things
CLAUSE_BREAKS = frozenset(
    {"but", "so", "then", "because", "while", "whereas", "although", "though", "however"}
)
NEGATORS = frozenset(
    """not never no none dont doesnt didnt isnt arent wasnt werent shouldnt wouldnt wont cant cannot couldnt
    avoid avoided avoiding without instead rather against stop nor neither nobody mistake mistaken myth
    misconception wrong antipattern tempting temptation misunderstand misunderstanding misread
    refuse refuses refused forbid forbidden prohibit prohibited ban banned disagree disagrees reject
    rejects debunk resist resists resisted resisting""".split()
)
REJECTIONS_AFTER = frozenset(
    """wrong bad worse dangerous risky unsafe antipattern anti mistake myth terrible not never harmful
    pointless useless destroys destroy destroyed breaks break broke broken loses lose lost wipes wiped
    doesnt isnt wont cant shouldnt wouldnt arent hides hide hid drift drifts drifted diverge diverges
    diverged rewrites rewrite bypass bypasses bypassed refused rejected blocked denied fails failed
    fail caused causes cause outage incident bites bit burned burnt hurt regret regretted nightmare
    mess disaster painful pain trouble problem problems dangerous leaks leak leaked exposes expose
    exposed defeats defeat undermines undermine misses miss overwritten clobber clobbers blinds
    blind drags drag dragged dragging undecryptable unusable disrupts disrupt disrupted disruptive""".split()
)
BELIEF_VERBS = frozenset(
    """assume assumes assumed believe believes believed think thinks expect expects confuse confuses
    confusing confused mix mixing say says said claim claims equate equates equating conflate conflates
    conflating call calls called describe describes described treat treats treated""".split()
)  # "people confusing key renewal with rotating the passwords", "teams equate X with GitOps"
BELIEVERS = frozenset(
    "people teams folks some many others everyone candidates developers engineers juniors someone".split()
)
# by stem: "the misreading I hear most is X", "common mistakes are X"
BELIEF_NOUNS = frozenset(
    stem(word)
    for word in """myth misconception assumption belief mistake trap misunderstanding misreading
    fallacy""".split()
)
# "teams often X", "some people would X"
HABITS = frozenset(
    """sometimes often usually always still commonly routinely regularly would might start starts begin
    begins try tries skip skips just reach keep keeps leave leaves""".split()
)  # "a lot of teams start with X", "some teams skip all that and X"
WITNESSED = frozenset("seen saw watched".split())  # "I've seen teams X"
HEARD = frozenset("heard hear".split())  # "I've heard 'we do GitOps, our pipeline runs kubectl apply'"
# "I'd push back on the idea that X"
PUSHBACK = (("push", "back"), ("pushed", "back"), ("pushing", "back"))
AVOID = frozenset("avoid avoided avoiding against".split())  # "I'd avoid both", "I'd argue against that"
AVOIDED = frozenset("both that this it them those either".split())  # "X, and I'd avoid both"
RULE = frozenset("rule ruled".split())  # "I'd rule both out"
AVOID_REACH = 16  # "X and merge between them, and I'd steer away from that": how far the refusal may follow
# a next sentence that answers the claim: "It doesn't.", "That's wrong.", "Not true."
ANSWERS = frozenset("it that thats this which no not wrong false nope".split())
DENIALS = NEGATORS | frozenset("wrong false untrue".split())
REFUSED = frozenset(
    "that this either it".split()
)  # "I wouldn't do that", "never this", "I'd argue against it"
STEER = frozenset(
    "steer steered steering stay stayed staying move moved moving keep".split()
)  # "I steer away from that", "what we moved away from: X"
# "That isn't a problem", "it doesn't matter": denying a drawback endorses the claim
HARMLESS = frozenset(
    """problem problems issue issues matter matters concern concerns risk risky deal big necessary need
    needs required worry hurt""".split()
)
DENIAL_REACH = 10  # "With auto-sync and selfHeal on, that doesn't work": how far into the next sentence
# "Originally we had X ... we moved to Y": a practice told as one the team has left behind
USED_TO = (("used", "to"), ("at", "first"), ("back", "then"), ("in", "the", "past"))
FORMERLY = frozenset("originally initially previously formerly".split())
LEFT = frozenset(
    """moved migrated switched replaced changed dropped abandoned ditched stopped retired
    rebuilt redesigned now""".split()
)  # "we used to X ... so now it's one main branch"
LEFT_WITHIN = 3  # sentences after X in which the change is told
# "What I wouldn't do is X", "A pattern I'd steer away from is X": the subject of the sentence's
# first "is" refuses what the sentence goes on to name
COPULAS = frozenset("is was are were".split())
EXCLUDED = (("out",), ("ruled", "out"), ("off", "the", "table"), ("out", "of", "the", "question"))
# spelled as the tokens spell them: "one", "two" and "three" are digits there
ORDINALS = frozenset(
    normalize_spoken("first firstly one second secondly two third thirdly three another").split()
)
LIST_REACH = 5  # sentences back to the one that announces a list of refusals
LIST_WORDS = 120  # and at most this many words back
HEAD_WORDS = 14  # a subject longer than this is not a heading for what follows
REFUSING = (
    frozenset("tempting temptation antipattern anti wrong jerk reflex".split()) | AVOID
)  # "the knee-jerk fix", "the other anti-pattern is X"
# "what I wouldn't do", "what you don't want": a negation of the speaker's own doing
ACTIONS = frozenset("do use recommend want allow accept suggest try reach ship go take choose pick".split())
# "I'd recommend the webhook over just lowering the interval": what is preferred over X rejects X
PREFERENCE = frozenset(
    "prefer prefers preferred recommend recommends recommended choose chose favour favor pick".split()
)
PREFER_TO = frozenset("prefer prefers preferred".split())  # "I prefer directories to X"
SPEAKERS = frozenset("i id we wed".split())  # "X I'd avoid"
AGENTS = frozenset("i we you they".split())  # "X, and we never have to ...": a clause of its own
# "X looks tidy, but ...", "X sounds like promotion, but": granted only to be knocked down
CONCESSION_REACH = 3  # "It looks tidy, X": how near X the appearance is told
SEEMS = frozenset("looks look looked sounds sound sounded seems seem seemed feels feel felt".split())
FAILS = frozenset("fails fail failed unable".split())  # "every SealedSecret fails to decrypt" denies it
# "without anyone placing keys by hand, I commit X": these negate the words right after them only
SCOPED = frozenset("without instead rather against".split())
SCOPE = 5  # "instead of resetting X", "rather than granting cluster-admin for the day"
# "anything that doesn't match Git": a relative clause on a noun, unless it follows a link word
RELATIVE = frozenset("that who".split())
SUBJECTS = frozenset("the a an your our their its my you we they i it he she someone".split())
RELATIVE_REACH = 4  # "anything that the repo doesn't describe": the relative word and the clause's subject
IF_REACH = 30  # words after a supposed X in which its outcome is told
UNDONE = frozenset(
    "revert reverts reverted reverting undo undoes undid undone overwrite overwrites overwrote".split()
)
PUT = frozenset("put puts putting".split())  # "... would put the old image back"
CONDITIONS = frozenset(
    "if when unless whenever once".split()
)  # "X ... if it breaks": a condition, not a verdict
LINKS = frozenset("and but so because since as then or".split())
# "X, which is fine since the value isn't readable": a negation after these justifies X
ENDORSEMENTS = frozenset("fine safe ok okay acceptable enough".split())
# what a practice does to you, said right after "because that": "because that hides real drift"
HARMS = frozenset(
    """hides hid blinds breaks broke leaks leaked exposes bypasses loses wipes destroys defeats undermines
    drifts diverges rewrites clobbers""".split()
)
WORSE = frozenset("worse worst".split())  # "X, or worse, Y": Y is named as the worse of two bad options
# words that soften a negation without changing what it negates: "it doesn't really matter"
HEDGES = frozenset("really much".split())
# what would happen if the speaker's advice were not followed: "restore the key, otherwise X"
OTHERWISE = frozenset("otherwise else".split())
# told before X as its consequence: "it caused a real incident: someone merged staging into prod"
BLAME_BEFORE = frozenset(
    "caused causing bit burned burnt broke lesson learned learnt regret regretted".split()
)


@dataclass(frozen=True)
class Claim:
    """A false claim as weighted distinctive stems, and the correct statements it must be told from."""

    terms: dict[str, float]
    contrasts: tuple[dict[str, float], ...]
    negative: bool = False
    # the named things the claim is about ("prune"): a stretch that names none of them says
    # something about another thing ("selfHeal reverts manual changes")
    subjects: frozenset[str] = frozenset()
    # the other things its question names ("selfHeal"): a clause about one of them is not the claim
    others: frozenset[str] = frozenset()
    # its words that no correct statement of the question uses ("latest"): a stretch without one
    # of them says what the question's correct statements say
    own: frozenset[str] = frozenset()

    @cached_property
    def total(self) -> float:
        return sum(sorted(self.terms.values(), reverse=True)[:CLAIM_TERMS])


def claim_spans(text: AnalysedText, claim: Claim) -> list[tuple[int, int]]:
    """Token ranges (first, last) where the answer asserts the claim."""
    total = claim.total
    if not total or len(claim.terms) < 2 or not _could_hold(text, claim, total):
        return []
    found: list[tuple[int, int]] = []
    for sentence in text.by_sentence:
        for first, last, share in _windows(text.tokens, sentence, claim.terms, total):
            stretch = {t.stem for t in text.tokens[first : last + 1]}
            if claim.subjects and not claim.subjects & stretch:
                continue
            if _about_another(text.tokens, sentence, first, last, claim):
                continue
            if claim.own and not claim.own & stretch:
                continue
            if any(_share(stretch, contrast) > share for contrast in claim.contrasts):
                continue
            if asserted(text.tokens, first, last, claim.negative):
                found.append((first, last))
                break
    return found


def _could_hold(text: AnalysedText, claim: Claim, total: float) -> bool:
    """Whether the whole answer has the words a stretch asserting the claim needs: most answers
    do not, and this is cheaper than looking at each stretch (a stretch is never more)."""
    stems = text.positions.keys()
    if (claim.subjects and claim.subjects.isdisjoint(stems)) or (claim.own and claim.own.isdisjoint(stems)):
        return False
    return sum(w for s, w in claim.terms.items() if s in stems) / total >= CLAIM_AT - 1e-9


def _about_another(tokens: list[Token], sentence: list[int], first: int, last: int, claim: Claim) -> bool:
    """ "I'd enable selfHeal so manual changes get reverted, and prune so removed resources are
    deleted": the claim's words lie in a clause that names another thing and not the claim's
    subject, so they are said of that other thing."""
    if not claim.subjects or not claim.others:
        return False
    clause, clauses = 0, {}
    for i in sentence:
        clause += tokens[i].norm in COORDINATORS
        clauses[i] = clause
    weight: dict[int, float] = {}
    for i in range(first, last + 1):
        if (term := tokens[i].stem) in claim.terms and term not in claim.subjects:
            weight[clauses[i]] = weight.get(clauses[i], 0.0) + claim.terms[term]
    if not weight:
        return False
    main = max(weight, key=lambda c: weight[c])
    named = {tokens[i].stem for i in sentence if clauses[i] == main}
    return not named & claim.subjects and bool(named & claim.others)


def _windows(
    tokens: list[Token], indices: list[int], terms: dict[str, float], total: float
) -> list[tuple[int, int, float]]:
    """Stretches of at most CLAIM_WINDOW words that carry at least CLAIM_AT of the claim's weight."""
    found = []
    hits = [i for i in indices if tokens[i].stem in terms]
    for a, start in enumerate(hits):
        present: set[str] = set()
        for end in hits[a:]:
            if end - start >= CLAIM_WINDOW:
                break
            present.add(tokens[end].stem)
            share = min(1.0, sum(terms[s] for s in present) / total)
            if share >= CLAIM_AT:
                found.append((start, end, share))
                break
    return found


def _share(present: set[str], terms: dict[str, float]) -> float:
    total = sum(sorted(terms.values(), reverse=True)[:CLAIM_TERMS])
    return sum(w for s, w in terms.items() if s in present) / total if total else 0.0


def asserted(tokens: list[Token], first: int, last: int, negative: bool = False) -> bool:
    """Whether the words first..last are stated rather than rejected. A claim that is itself
    negative ("Git needs no protection") is stated with its negation and rejected without it;
    a condemning consequence ("X would drift apart") or a reported belief ("people assume X")
    rejects either kind."""
    sentence = tokens[first].sentence
    before = [t for t in tokens[max(0, first - NEGATION_WINDOW) : first] if t.sentence == sentence]
    clause_start = max((i for i, t in enumerate(before) if t.norm in CLAUSE_BREAKS), default=-1)
    before = before[clause_start + 1 :]
    after = []
    for i, token in enumerate(tokens[last + 1 : last + 1 + REJECTION_WINDOW]):
        if token.sentence != sentence or (token.norm in CLAUSE_BREAKS and not _blamed(tokens, last + 1 + i)):
            break
        after.append(token)
        if token.norm in ENDORSEMENTS:
            break  # what follows "X, which is fine" is why X is fine, not a rejection of it
    if (
        _condemned(tokens, last, after)
        or _excluded(after)
        or _avoided(tokens, last, sentence)
        or reported_belief([*before, tokens[first]])
    ):
        return False
    if _conceded(before, tokens, last, sentence):
        return False
    if _denied_next(tokens, last, sentence) or _left_behind(before, tokens, last, sentence):
        return False
    if _undone_if(before, tokens, first, last):
        return False
    if (
        _passed_over(before)
        or _excludes_what_follows([t.norm for t in before])
        or _refused_heading(tokens, first, sentence)
        or _listed_refusal(tokens, first, sentence)
    ):
        return False
    if any(t.norm in BLAME_BEFORE or t.norm in OTHERWISE for t in before) or _worse_still(before):
        return False
    inside = tokens[first : last + 1]
    main = inside[: next((i for i, t in enumerate(inside) if i and t.norm in CLAUSE_BREAKS), len(inside))]
    negated = any(
        t.norm in NEGATORS and (t.norm not in SCOPED or len(before) - i <= SCOPE)
        for i, t in enumerate(before)
    )
    # "prune trims anything on the live object that the repo doesn't describe": a negation in a
    # relative clause on a noun says which things, not that the claim is false
    words = [t.norm for t in main]
    denied = any(
        (word in NEGATORS or (word in FAILS and words[i + 1 : i + 2] == ["to"])) and not _restricts(main[:i])
        for i, word in enumerate(words)
    )
    return (negated or denied) == negative


PURPOSE = frozenset({"so", "otherwise"})


def is_negative(words: list[str]) -> bool:
    """Whether a claim or cue is itself a negative statement ("Git needs no protection"). A
    negation in a trailing purpose clause ("turn off self-heal so the fix isn't overwritten")
    does not make the claim negative."""
    main = words[: next((i for i, w in enumerate(words) if i and w in PURPOSE), len(words))]
    return any(word in NEGATORS for word in main)


def reported_belief(before: list[Token]) -> bool:
    """ "people assume X", "a common myth is X", "teams often X", "I've seen teams X", "I've heard
    X", "I'd push back on the idea that X", "people switching off selfHeal so ...": X is
    described, not claimed ("I think X" is). `before` ends with X's first word."""
    if any(t.stem in BELIEF_NOUNS or t.norm in HEARD for t in before):
        return True
    words = [t.norm for t in before]
    return any(
        (a in BELIEVERS and (b in BELIEF_VERBS | HABITS or _doing(b)))
        or (a in WITNESSED and b in BELIEVERS)
        or (a, b) in PUSHBACK
        for a, b in pairwise(words)
    )


def _doing(word: str) -> bool:
    """ "people switching off selfHeal", "teams committing the key": what others are doing"""
    return word.endswith("ing") and len(word) > 5


def _left_behind(before: list[Token], tokens: list[Token], last: int, sentence: int) -> bool:
    """ "Originally we had a branch per environment ... Then we moved to directories": X is told
    as what the team used to do, and a change follows within a few sentences."""
    words = [t.norm for t in before]
    formerly = any(w in FORMERLY for w in words) or any(
        tuple(words[i : i + len(marker)]) == marker for marker in USED_TO for i in range(len(words))
    )
    if not formerly:
        return False
    following = takewhile(lambda t: t.sentence <= sentence + LEFT_WITHIN, tokens[last + 1 :])
    return any(t.norm in LEFT for t in following)


def _passed_over(before: list[Token]) -> bool:
    """ "I'd recommend the webhook over X", "we chose directories over X", "I prefer this to X"
    (but not "I prefer to X")"""
    words = [t.norm for t in before]
    preferred = [i for i, word in enumerate(words) if word in PREFERENCE]
    if not preferred:
        return False
    ends = range(max(0, len(words) - 3), len(words))
    return "over" in words[-3:] or any(
        words[i] == "to" and words[preferred[0]] in PREFER_TO and i > preferred[0] + 1 for i in ends
    )


def _worse_still(before: list[Token]) -> bool:
    """ "hit rollback in the UI, or worse, git reset main and force-push" """
    return any(a.norm == "or" and b.norm in WORSE for a, b in pairwise(before))


def _refused_heading(tokens: list[Token], first: int, sentence: int) -> bool:
    """ "What I wouldn't do when a canary goes bad is X", "A pattern I'd steer away from, because
    I've lived with it, is X", "The tempting fix is to X, or to Y", "And not what I've seen teams
    do: X": the sentence opens by refusing what it then names in the same clause, however far X
    comes after."""
    start = _sentence_start(tokens, first, sentence)
    words = [t.norm for t in tokens[start:first]]
    opening = words[1:] if words[:1] and words[0] in LINKS else words
    if opening[:2] == ["not", "what"]:
        return True
    # "I'll start with what I wouldn't do, because I've inherited it twice: X" (but "what you don't
    # want is an outage, so X" names its own object, the outage)
    if any(_untold_refusal(words, i) for i, word in enumerate(words) if word == "what"):
        return True
    # "I'd steer away from environment branches, where you promote by merging", "Two patterns I'd
    # steer away from: copying whole manifests, and a branch per environment"
    clause = words[max((i + 1 for i, word in enumerate(words) if word in CLAUSE_BREAKS), default=0) :]
    if _steers_away(clause):
        return True
    head = list(takewhile(lambda word: word not in COPULAS, words))
    # up to X: in "is a second outage, so X" the heading names the outage; but after "is a pattern
    # I've seen: " what follows, clause breaks and all, is the pattern
    named = tokens[start + len(head) + 1 : first]
    told = list(takewhile(lambda t: not t.colon, named))
    if len(head) == len(words) or len(head) > HEAD_WORDS or CLAUSE_BREAKS & {t.norm for t in told}:
        return False
    return _refusing(head)


def _sentence_start(tokens: list[Token], at: int, sentence: int) -> int:
    """The index of the first word of the sentence the word at `at` belongs to."""
    while at and tokens[at - 1].sentence == sentence:
        at -= 1
    return at


def _listed_refusal(tokens: list[Token], first: int, sentence: int) -> bool:
    """ "Three things I'd explicitly not do. First, a branch per environment. ... Second, X": a
    sentence that opens a list, a few sentences after a short one that announces what the list
    refuses."""
    start = _sentence_start(tokens, first, sentence)
    opening = [t.norm for t in tokens[start : min(first + 1, start + 2)]]
    if not ORDINALS & set(opening):
        return False
    earlier = [t for t in tokens[max(0, start - LIST_WORDS) : start] if t.sentence >= sentence - LIST_REACH]
    return any(
        len(words) <= HEAD_WORDS and _refusing(words)
        for words in ([t.norm for t in said] for _, said in groupby(earlier, key=lambda t: t.sentence))
    )


def _refusing(words: list[str]) -> bool:
    """Words that refuse what they are about: "things I'd not do", "habits I'd steer people away
    from", "the first thing I'd rule out", "the mistakes", "an anti-pattern"."""
    return (
        any(w in REFUSING or stem(w) in BELIEF_NOUNS for w in words)
        or bool(_steers_away(words))
        or _excludes_what_follows(words)
        or any(pair in PUSHBACK for pair in pairwise(words))
        or any(w in NEGATORS and ACTIONS & set(words[i + 1 : i + 3]) for i, w in enumerate(words))
    )


def _untold_refusal(words: list[str], what: int) -> bool:
    """ "what I wouldn't do" at `what`, with no "is" after it to say what that is."""
    for k in range(what + 1, min(len(words), what + 4)):
        if words[k] in NEGATORS:
            actions = [a for a in range(k + 1, min(len(words), k + 3)) if words[a] in ACTIONS]
            return bool(actions) and words[actions[0] + 1 : actions[0] + 2] != ["is"]
    return False


def _steers_away(words: list[str]) -> list[int]:
    """Where "away" or "clear" ends "steer away", "stay away", "move away", "keep away", "steer
    people away", "steer clear", "stay clear" """
    return [
        i
        for i, word in enumerate(words)
        if word in ("away", "clear") and STEER & set(words[max(0, i - 2) : i])
    ]


def _condemned(tokens: list[Token], last: int, after: list[Token]) -> bool:
    """ "X ... would drift apart", "X, which isn't safe"; but not a negation that only says which
    things X is about ("prune undoes anything that doesn't match Git"), nor what a condition
    foresees ("X, and roll back by hand if it looks bad"), nor a negation in a clause of its own
    about the speaker ("X, and we never have to rotate by hand", which is why X is good); "X, and
    you lose the history" still condemns X."""
    said = list(takewhile(lambda t: t.norm not in CONDITIONS, after))
    agent = next(
        (i + 1 for i, (a, b) in enumerate(pairwise(said)) if a.norm in COORDINATORS and b.norm in AGENTS),
        len(said),
    )
    return any(
        t.norm in REJECTIONS_AFTER
        and not _restricts([tokens[last], *said[:i]])
        and not (i > agent and t.norm in NEGATORS)
        and not _indifferent(tokens, last + 1 + i)
        for i, t in enumerate(said)
    )


def _undone_if(before: list[Token], tokens: list[Token], first: int, last: int) -> bool:
    """ "If CI just patched the Deployment, Argo CD would put the old image back": X supposed in an
    if-clause (no comma from the "if" to the end of X) whose outcome, later in the sentence, undoes
    or condemns it. X after the clause ("If it degrades, Argo CD rolls back") is what follows, and
    X that runs past it ("If prune is on, Argo CD cleans up ...") is stated."""
    opens = [i for i, t in enumerate(before) if t.norm == "if"]
    supposed = [*before[opens[-1] :], *tokens[first : last + 1]] if opens else []
    if not supposed or not all(_joined(a, b) for a, b in pairwise(supposed)):
        return False
    sentence = tokens[last].sentence
    outcome = [
        t.norm for t in takewhile(lambda t: t.sentence == sentence, tokens[last + 1 : last + 1 + IF_REACH])
    ]
    put_back = any(w in PUT and "back" in outcome[i + 1 : i + 5] for i, w in enumerate(outcome))
    return put_back or any(w in UNDONE or w in REJECTIONS_AFTER for w in outcome)


def _indifferent(tokens: list[Token], at: int) -> bool:
    """ "I commit X, encrypted or not", "X, it doesn't really matter because ...": the negation
    shrugs off a detail of X, it does not reject X."""
    if tokens[at].norm not in NEGATORS:
        return False
    rest = [t.norm for t in tokens[at + 1 : at + 3] if t.norm not in HEDGES]
    return tokens[at - 1].norm == "or" or rest[:1] == ["matter"]


def _conceded(before: list[Token], tokens: list[Token], last: int, sentence: int) -> bool:
    """ "A branch per environment looks tidy, but the branches drift", "It looks tidy, merge
    staging into main to promote, but ...": X is granted an appearance, then a "but" knocks it
    down."""
    words = [t.norm for t in tokens[last + 1 : last + 1 + REJECTION_WINDOW] if t.sentence == sentence]
    if any(t.norm in SEEMS for t in before[-CONCESSION_REACH:]):
        return "but" in words
    seems = next((i for i, word in enumerate(words) if word in SEEMS), None)
    return seems is not None and seems < CONCESSION_REACH and "but" in words[seems:]


def _blamed(tokens: list[Token], at: int) -> bool:
    """ "X, because that blinds Argo CD to real drift": the reason given is a harm X does."""
    words = [t.norm for t in tokens[at : at + 4]]
    return words[0] == "because" and len(words) > 2 and words[1] in REFUSED and words[2] in HARMS


def _restricts(before: list[Token]) -> bool:
    """Whether a word right after these is inside a relative clause on a noun ("anything that
    ...", "resources that the repo ..."), not a remark on the claim ("and that ...", "which ...",
    "X: that would make things worse")."""
    for k in range(len(before) - 1, max(0, len(before) - RELATIVE_REACH) - 1, -1):
        if before[k].norm in RELATIVE:
            # "a job that pushes with kubectl doesn't meet it": the clause had no subject of its
            # own, so what follows is the main clause again
            own_subject = k == len(before) - 1 or before[k + 1].norm in SUBJECTS
            return (
                k >= 1
                and before[k - 1].norm not in LINKS
                and _joined(before[k - 1], before[k])
                and own_subject
            )
    return False


def _joined(a: Token, b: Token) -> bool:
    """Whether only a space separates two words: no comma, colon or dash between them."""
    return b.start - a.end <= 1


def _excluded(after: list[Token]) -> bool:
    """ "so rollback is reverting a commit, and force-pushing main is out": the claim's clause ends
    by excluding it ("is out", "is ruled out", "is off the table", "is out of the question")."""
    words = tuple(t.norm for t in after)
    return len(words) > 1 and words[0] in COPULAS and words[1:] in EXCLUDED


def _avoided(tokens: list[Token], last: int, sentence: int) -> bool:
    """ "X, or Y, and I'd avoid both", "X and promote by merging, and I'd steer away from that",
    "X, and I'd push back on that": the rest of X's clause refuses it."""
    words = list(
        takewhile(
            lambda word: word not in CLAUSE_BREAKS,
            (t.norm for t in tokens[last + 1 : last + 1 + AVOID_REACH] if t.sentence == sentence),
        )
    )
    # "Branch-per-environment I'd avoid", "X we'd steer away from": the speaker refuses X just named
    named_first = words[:1] and words[0] in SPEAKERS and (AVOID & set(words[1:3]) or _steers_away(words[1:4]))
    return bool(named_first) or _refuses_it(words)


def _refuses_it(words: list[str]) -> bool:
    """ "I'd avoid both", "I'd steer away from that", "I'd push back on that", "I'd argue against
    it": a refusal whose object is what was just said."""
    return (
        any(AVOIDED & set(words[i + 1 : i + 3]) for i in _steers_away(words))
        or any(
            pair in PUSHBACK and AVOIDED & set(words[i + 2 : i + 4]) for i, pair in enumerate(pairwise(words))
        )
        or any(a in AVOID and b in AVOIDED for a, b in pairwise(words))
    )


def _excludes_what_follows(words: list[str]) -> bool:
    """ "the first thing I'd rule out", "I'd rule out": the speaker excludes what follows."""
    return any(a in RULE and b == "out" for a, b in pairwise(words))


def _ruled_out(words: list[str]) -> bool:
    """ "I'd rule both out.", "I'd rule that out.", "Ruled it out." """
    return any(
        a in RULE and b in AVOIDED and c == "out"
        for a, b, c in zip(words, words[1:], words[2:], strict=False)
    )


def _denied_next(tokens: list[Token], last: int, sentence: int) -> bool:
    """The next sentence answers the claim: "Renewal rotates the secrets? It doesn't.", "I
    disagree.", "It looks clean, but ...", refuses it: "I'd not do that.", "Don't do this.",
    "I'd avoid both.", "I'd push back on that.", or says it fails: "With selfHeal on, that
    doesn't work." But not when what is denied is a drawback: "That isn't a problem, the repo is
    private."
    """
    following = [t.norm for t in tokens[last + 1 : last + 40] if t.sentence == sentence + 1]
    if _refuses_it(following[:6]) or _ruled_out(following[:6]):
        return True
    # "It looks clean, but it rewrites shared history."
    if following[:1] and following[0] in ANSWERS and SEEMS & set(following[1:3]) and "but" in following[:8]:
        return True
    if "disagree" in following[:3]:
        return True
    denials = [
        i for i, w in enumerate(following) if w in DENIALS and not HARMLESS & set(following[i + 1 : i + 4])
    ]
    if not denials:
        return False
    if following[0] in ANSWERS and denials[0] < 3:
        return True
    if any(w in REFUSED for w in following[:5]) and denials[0] < 5:
        return True
    # "It isn't.", "which isn't true"; not "... over Flagger, which doesn't integrate with Git"
    return any(
        0 < i < DENIAL_REACH and following[i - 1] in ANSWERS and (following[i - 1] != "which" or i == 1)
        for i in denials
    )
