"""Claims, not keywords: a misconception counts when the answer asserts it, in any wording, and
never when the answer names it to reject it; a key point needs its mechanism, not its name."""

import pytest

from app.media.transcript_text import WordTiming
from app.scoring.text import analyse
from tests.scoring.shipped_bank import QUESTIONS, score

ROLLBACK_GOOD = (
    "First I'd stop the bleeding: git revert the bad commit on main, which adds a new commit that undoes it, "
    "so history stays intact and Argo CD syncs the previous image back within a few minutes or straight away "
    "with a webhook. A kubectl rollout undo would just create drift that self heal puts back. Then I'd watch "
    "the error rate recover and write a blameless postmortem."
)


def flags(question: str, text: str) -> list[str]:
    return [f.id for f in score(question, text).red_flags]


@pytest.mark.parametrize(
    ("question", "rejection"),
    [
        (
            "rollback-bad-deploy",
            "I wouldn't use git reset and force push on a shared branch because it rewrites history.",
        ),
        ("rollback-bad-deploy", "Instead of resetting main and force pushing, I revert the commit."),
        (
            "sync-interval",
            "So I'd recommend the webhook over just lowering the interval, because it's faster.",
        ),
        ("rollback-bad-deploy", "Resetting main and force pushing would break everyone's clones, so no."),
        ("rollback-bad-deploy", "We once did a git reset and force push on main and that caused an outage."),
        (
            "drift-manual-edit",
            "People assume prune reverts the manual edit, but prune only deletes removed resources.",
        ),
        (
            "drift-manual-edit",
            "Prune doesn't revert anything here, it only deletes resources removed from Git.",
        ),
        (
            "staging-validation",
            "A staging branch and a production branch drift apart, so we use directories.",
        ),
        ("staging-validation", "Don't keep a branch per environment; use a directory per environment."),
    ],
)
def test_a_misconception_named_to_reject_it_is_not_held_against_the_answer(
    question: str, rejection: str
) -> None:
    assert flags(question, rejection) == []


@pytest.mark.parametrize(
    ("question", "claim"),
    [
        ("drift-manual-edit", "Setting prune to true is what makes Argo CD undo the manual change."),
        ("rollback-bad-deploy", "I would reset main to the last good commit and force push it."),
        ("staging-validation", "Each environment gets its own branch and we merge staging into production."),
    ],
)
def test_a_misconception_in_the_candidates_own_words_still_counts(question: str, claim: str) -> None:
    assert flags(question, claim), claim
    assert (
        score(question, ROLLBACK_GOOD + " " + claim).overall <= 2.0
        if question == "rollback-bad-deploy"
        else True
    )


@pytest.mark.parametrize(
    ("question", "claim", "flag"),
    [
        (
            "external-secrets-operator",
            "When the password rotates, Kubernetes propagates the change into the pods, environment variables "
            "included, so nobody has to restart anything.",
            "env-vars-update-live",
        ),
        (
            "drift-manual-edit",
            "Argo CD only compares Git commits, so a kubectl edit is invisible to it and the app still shows Synced.",
            "blind-to-live-edits",
        ),
        (
            "incident-manual-change",
            "The controller only reacts to new commits, so the kubectl edit is invisible to it and can stay.",
            "blind-to-live-edits",
        ),
        (
            "reconciliation-loop",
            "Between commits it's idle: if nothing is committed nothing happens.",
            "only-on-commit",
        ),
        (
            "auto-sync-risks",
            "If a sync leaves the app Degraded, selfHeal heals the application by rolling back to the last healthy "
            "revision, so a bad release undoes itself.",
            "argo-cd-rolls-back-on-its-own",
        ),
        (
            "risky-multi-env-pr",  # a misconception wrong whatever the question
            "And if prod goes Degraded, Argo CD automatically rolls back to the last healthy revision.",
            "argo-cd-rolls-back-on-its-own",
        ),
        (
            "cluster-rebuild-from-git",
            "Because the PVCs are defined in Git, the databases come back with their data, so we dropped Velero.",
            "pvc-manifests-restore-data",
        ),
        (
            "argocd-application-anatomy",  # a misconception wrong whatever the question
            "selfHeal is Argo CD's health-based recovery: a Deployment that goes Degraded gets redeployed.",
            "self-heal-fixes-unhealthy",
        ),
        (
            "sync-waves-and-hooks",
            "Flux applies them one by one, so I list migration-job.yaml first and the Deployment after it.",
            "flux-applies-in-listed-order",
        ),
        (
            "auto-sync-risks",
            "If a release goes bad, Argo CD pins the application to that older revision from History, even with "
            "automated sync on.",
            "ui-rollback-holds-with-auto-sync",
        ),
        (
            "opengitops-principles",
            "Pulled automatically means that when a PR merges the pipeline checks out main and runs kubectl apply.",
            "kubectl-from-ci-is-gitops",
        ),
        (
            "staging-validation",
            "Once QA signs off, the release job builds a fresh production image from the same commit.",
            "rebuild-for-production",
        ),
        (
            "sops-with-flux",
            "The private key I'd commit under flux-system so bootstrap finds it.",
            "commit-private-key",
        ),
        (
            "argocd-application-anatomy",
            "In syncOptions I'd put the refresh interval, say Interval=60s, so it polls every minute.",
            "interval-in-sync-options",
        ),
        # in the words of dev 28 to dev 37's writers
        (
            "flux-core-objects",
            "The HelmRelease behaves exactly like the Kustomization: helm-controller reverts anything changed with "
            "kubectl, without configuring anything extra.",
            "helmrelease-heals-by-default",
        ),
        (
            "progressive-delivery",
            "Because Argo CD and Rollouts are integrated, it also rolls the image tag in the Application back.",
            "abort-writes-git",
        ),
        (
            "kustomize-overlays",
            "A Kustomize overlay can only patch things in the base, it can't introduce new resources.",
            "overlay-cannot-add-resources",
        ),
        (
            "kustomize-overlays",
            "Overlays only patch the base, so the Ingress has to live in the base, with a delete patch in dev.",
            "overlay-cannot-add-resources",
        ),
        (
            "external-secrets-operator",
            "Because the pods use secretKeyRef, the new value flows straight into the running containers.",
            "env-vars-update-live",
        ),
        (
            "progressive-delivery",
            "After an abort it also rolls the image tag in the repository back to the previous version.",
            "abort-writes-git",
        ),
        (
            "applicationset-generators",
            "If a folder gets renamed, the generated Applications are just left orphaned and nothing happens.",
            "appset-never-deletes",
        ),
        (
            "opengitops-principles",
            "Between commits there's nothing to reconcile: a hand edit stays that way until the next change.",
            "reconcile-only-on-commit",
        ),
        (
            "argocd-application-anatomy",
            "If someone does a kubectl edit on the deployment, prune wipes out their change and restores Git.",
            "prune-fixes-drift",
        ),
        (
            "sealed-secrets-workflow",
            "Rotation is handled for you: the controller renews its keys every thirty days, so the secrets get "
            "rotated on that schedule.",
            "renewal-rotates-values",
        ),
        (
            "leaked-secret-response",
            "There's no need to rotate the database password, because nobody outside the team could have seen it.",
            "deleting-is-enough",
        ),
        (
            "helm-with-gitops",
            "Argo CD calls helm upgrade --install under the hood, so the release shows up in helm list.",
            "argocd-runs-helm-install",
        ),
        (
            "external-secrets-operator",
            "The kubelet pushes the new value into the running containers' environment within a minute.",
            "env-vars-update-live",
        ),
        (
            "reconciliation-loop",
            "It basically runs once per commit and sits there until the next one.",
            "only-on-commit",
        ),
        (
            "scaling-argocd",
            "So the first fix is to drop timeout.reconciliation in argocd-cm way down, to ten seconds.",
            "poll-more-often",
        ),
        (
            "progressive-delivery",
            "When a canary aborts, the rollback gets written back to the Git repository as a revert of the tag.",
            "abort-writes-git",
        ),
        (
            "database-migrations-gitops",
            "You git revert the commit and the previous migration Job runs again, which puts the schema back.",
            "revert-rolls-back-schema",
        ),
    ],
)
def test_a_misconception_that_many_writers_state_trips_its_flag(question: str, claim: str, flag: str) -> None:
    """Each was stated, in nearly these words, by writers of at least two evaluation sets."""
    assert flag in flags(question, claim)


@pytest.mark.parametrize(
    ("question", "rejection"),
    [
        (
            "external-secrets-operator",
            "Env vars are read when the container starts. People assume the new value propagates into the running "
            "containers, but it doesn't, so I roll the deployment.",
        ),
        (
            "drift-manual-edit",
            "Some people think Argo CD only acts on new commits, but it compares the live objects on every refresh.",
        ),
        (
            "auto-sync-risks",
            "A common belief is that Argo CD automatically rolls back to the last healthy revision; it doesn't, "
            "selfHeal re-applies the bad commit, so the fix is a revert in Git.",
        ),
        (
            "progressive-delivery",
            "When the analysis fails, Argo Rollouts aborts the canary and shifts all traffic back to the stable "
            "ReplicaSet, and then we revert the image tag in Git.",
        ),
    ],
)
def test_a_recurring_misconception_named_to_reject_it_is_not_held_against_the_answer(
    question: str, rejection: str
) -> None:
    assert flags(question, rejection) == []


@pytest.mark.parametrize(
    ("question", "statement"),
    [
        (
            "cluster-rebuild-from-git",
            "The PVC manifests are in Git, but a new cluster gets empty volumes, so the data comes back from "
            "Velero backups.",
        ),
        (
            "rebuild-from-git-principle",
            "Rebuilding from Git recreates the PersistentVolumeClaims, and a separate volume backup restores what "
            "was in them.",
        ),
        (
            "drift-manual-edit",
            "selfHeal only reverts drift from Git; if pods crash or the app goes Degraded, Argo CD just reports the "
            "health, it doesn't redeploy anything.",
        ),
        (
            "sync-waves-and-hooks",
            "In Flux you model the order with separate Kustomizations: the migration Job's with wait enabled, so it "
            "is only Ready when the Job completes, and the app's with dependsOn on it.",
        ),
        (
            "rollback-bad-deploy",
            "Argo CD won't let you roll back from the UI while automated sync is on; you'd have to disable it and "
            "then the rollback holds only until someone turns it back on.",
        ),
    ],
)
def test_a_correct_statement_in_a_new_misconceptions_words_is_not_flagged(
    question: str, statement: str
) -> None:
    assert flags(question, statement) == []


@pytest.mark.parametrize(
    "shrug",
    [
        "encrypted or not, because the repo is private",
        "encrypted or not doesn't really matter",
        "it doesn't matter",
    ],
)
def test_a_shrugged_off_detail_does_not_reject_the_claim(shrug: str) -> None:
    """ "X, encrypted or not" and "X, it doesn't matter" wave a detail away; they do not reject X."""
    assert "commit-private-key" in flags(
        "sops-with-flux", f"You commit the private key into flux-system, {shrug}."
    )


def test_a_practice_the_clause_rules_out_is_not_claimed() -> None:
    """ "... and force-pushing main is out" lists what a principle excludes."""
    assert "reset-and-force-push" not in flags(
        "opengitops-principles",
        "Versioned and immutable: the history is never rewritten, so rollback is reverting a commit, and "
        "force-pushing main is out.",
    )
    assert "reset-and-force-push" in flags(
        "opengitops-principles", "To roll back I reset and force push main, so the history stays clean."
    )


def test_a_strong_answer_that_rejects_an_anti_pattern_keeps_its_score() -> None:
    report = score("rollback-bad-deploy", ROLLBACK_GOOD)
    assert report.red_flags == []
    assert report.overall >= 3.5


def test_naming_the_tools_is_not_explaining_them() -> None:
    named = (
        "In our team Argo CD and Flux are central. We reconcile, we have a single source of truth and "
        "desired state, it is the GitOps way, it keeps everything declarative and it scales really well."
    )
    report = score("sync-interval", named)
    assert report.key_points_covered == []
    assert "no-key-point" in report.flags
    assert report.overall <= 2.0


def test_a_correct_but_shallow_answer_lands_at_the_middle_anchor() -> None:
    shallow = (
        "Argo CD will show the app as OutOfSync, because the live Deployment no longer matches what Git "
        "says. The proper fix is to put the new memory limit in Git with a pull request."
    )
    assert 2.5 <= score("drift-manual-edit", shallow).overall <= 3.9


def _heard(text: str, unsure: set[str]) -> list[WordTiming]:
    words = text.split()
    return [
        WordTiming(word=w, start=i, end=i + 0.5, probability=0.2 if w.strip(".,").lower() in unsure else 0.95)
        for i, w in enumerate(words)
    ]


def test_a_red_flag_resting_on_a_misheard_word_names_the_words_to_check() -> None:
    text = ROLLBACK_GOOD + " So I would reset main to the last good commit and force push it."
    heard = score("rollback-bad-deploy", text, words=_heard(text, {"reset", "force"}))
    sure = score("rollback-bad-deploy", text, words=_heard(text, set()))

    assert not any(f.uncertain_words for f in sure.red_flags)
    (flag,) = [f for f in heard.red_flags if f.uncertain_words]
    assert set(flag.uncertain_words) <= {"reset", "force"}
    assert heard.overall == sure.overall <= 2.0  # still counted, but the candidate knows what to check


@pytest.mark.parametrize(
    ("question", "rejection"),
    [
        (
            "rebuild-from-git-principle",
            "I'd push back on the idea that Git is our backup, because it holds the desired state, not the data.",
        ),
        (
            "sops-with-flux",
            "I've seen teams decrypt the secrets in CI and push plain Secrets, and I'd avoid both.",
        ),
        (
            "sealed-secrets-workflow",
            "People sometimes think the key renewal re-encrypts every SealedSecret. It doesn't: it only adds "
            "a new sealing key, so a leaked value must still be rotated.",
        ),
        (  # the reasoning after a rejection names the claim again: it is still the rejection
            "sops-with-flux",
            "I'd avoid decrypting the secrets in CI. Decrypting in CI puts plaintext in a pipeline and often "
            "in a repo, so kustomize-controller decrypts inside the cluster.",
        ),
        (  # what others would do, refused by the next sentence
            "rollback-bad-deploy",
            "Some people would reset main to the last good commit and force push it. I'd not do that.",
        ),
        (
            "rollback-bad-deploy",
            "You could reset main to the last good commit and force push it. I would never do that on a "
            "shared branch.",
        ),
        (  # the next sentence says it fails
            "rollback-bad-deploy",
            "The quick fix is to run kubectl rollout undo on the deployment. With auto-sync and selfHeal on, "
            "that doesn't work, because Argo CD puts the new version back.",
        ),
        # what others do, and what the speaker steers away from
        (
            "staging-validation",
            "A lot of teams start with a branch per environment and promote by merging staging into main. "
            "I steer away from that, because the branches drift.",
        ),
        (
            "image-update-automation",
            "Some teams skip all that and have CI run kubectl set image at the end of the build. I'd argue "
            "against it, because self-heal reverts it.",
        ),
        (
            "gitops-vs-cicd",
            "A lot of people say they do GitOps because their pipeline runs kubectl apply on merge, and I'd push "
            "back on that.",
        ),
        (
            "scaling-argocd",
            "I'd also resist shortening the reconciliation timeout to a few seconds, because with 3,000 apps that "
            "multiplies the load.",
        ),
        (
            "ignore-differences-managed-fields",
            "I wouldn't take the other quick fix people reach for, one giant ignore differences on the whole pod "
            "template, because that blinds Argo CD to real drift.",
        ),
        (
            "sealed-secrets-workflow",
            "The risk I watch is people confusing the thirty-day key renewal with rotating the passwords, which "
            "still has to happen at the source.",
        ),
    ],
)
def test_more_ways_of_rejecting_a_misconception(question: str, rejection: str) -> None:
    assert flags(question, rejection) == []


@pytest.mark.parametrize(
    ("question", "claim", "flag"),
    [
        (
            "convincing-push-team",
            "With prune enabled, Argo CD reverts any manual change within a few minutes.",
            "prune-reverts-drift",
        ),
        (
            "opengitops-principles",
            "Versioned means we can always git reset hard to the last good commit and force push main.",
            "reset-and-force-push",
        ),
        (
            "database-migrations-gitops",
            "The migration Secret is fine in Git because Kubernetes Secrets are base64 encoded so they are safe.",
            "base64-is-encryption",
        ),
    ],
)
def test_a_classic_misconception_counts_whatever_the_question(question: str, claim: str, flag: str) -> None:
    """Some claims are wrong whatever was asked: the bank marks them `everywhere`."""
    assert flag not in {f.id for f in QUESTIONS[question].red_flags}
    report = score(question, claim)
    assert flag in [f.id for f in report.red_flags]
    assert report.overall <= 2.0


def test_a_classic_misconception_is_not_read_into_a_correct_statement_elsewhere() -> None:
    correct = (
        "Prune only deletes resources that were removed from Git; it is selfHeal that reverts a manual "
        "change, and we roll back with git revert, never a reset."
    )
    assert flags("convincing-push-team", correct) == []


def test_a_claim_stated_before_it_is_rejected_still_counts() -> None:
    """Only what follows a rejection is read as its reasoning; a candidate who first recommends the
    anti-pattern and only later says to avoid it in another form has still recommended it."""
    answer = (
        "Decrypt the secrets in the CI pipeline and kubectl apply them to the cluster. Later, once the "
        "team grows, I'd avoid decrypting in CI."
    )
    assert flags("sops-with-flux", answer) == ["decrypt-in-ci"]


def test_a_claim_about_one_named_thing_is_not_asserted_by_a_sentence_about_another() -> None:
    """ "prune makes Argo CD undo manual changes" is false; "selfHeal reverts manual changes" is right,
    though it shares every other word of the claim."""
    about_self_heal = (
        "Prune true deletes resources that were removed from Git. SelfHeal true is different: it reverts "
        "manual changes in the cluster back to Git."
    )
    assert flags("argocd-application-anatomy", about_self_heal) == []
    assert "prune-fixes-drift" in flags(
        "argocd-application-anatomy",
        "Setting prune to true is what makes Argo CD undo manual changes in the cluster.",
    )


def test_a_shared_claim_is_about_what_its_own_question_names() -> None:
    """The prune claim is shared across the bank; in a question whose glossary names "revert" but
    not "prune", it is still about prune: selfHeal reverting manual changes is right there too."""
    assert "prune" not in " ".join(QUESTIONS["opengitops-principles"].glossary).lower()
    assert flags("opengitops-principles", "SelfHeal set to true makes Argo CD revert manual changes.") == []
    assert "prune-reverts-drift" in flags(
        "opengitops-principles", "Argo CD calls it prune: with prune set, Argo CD reverts any manual change."
    )


def test_a_negation_that_justifies_a_claim_does_not_reject_it() -> None:
    """After "which is fine" comes why it is fine; before it, a negation still rejects."""
    endorsed = (
        "I'd also commit the Kubernetes Secret to Git as a fallback, base64-encoded, which is fine since "
        "base64 means the value isn't readable in the repo."
    )
    assert "base64-is-encryption" in flags("external-secrets-operator", endorsed)
    rejected = "Committing base64-encoded Kubernetes Secrets isn't safe, since base64 is not encryption."
    assert "base64-is-encryption" not in flags("external-secrets-operator", rejected)


def test_a_setting_value_is_not_a_word_of_the_claim() -> None:
    """ "Setting prune to true" is said as "prune enabled" or "prune on" as often as "true"."""
    assert "prune-reverts-drift" in flags(
        "opengitops-principles",
        "Continuously reconciled is what Argo CD calls prune, with prune enabled the tool keeps the "
        "cluster identical to Git, reverting any manual change.",
    )


@pytest.mark.parametrize(
    ("story", "stated"),
    [
        (
            "Originally we had a branch per environment, and promotion was a merge from staging into main. "
            "It drifted all the time, so we moved to one main branch with a folder per environment.",
            False,
        ),
        (
            "We used to keep a branch per environment and merge staging into main to promote. "
            "After two bad merges we switched to overlays.",
            False,
        ),
        (
            "Originally we had a branch per environment, and promotion was a merge from staging into main. "
            "It works well for us.",
            True,
        ),
    ],
)
def test_a_practice_told_as_left_behind_is_not_claimed(story: str, stated: bool) -> None:
    assert ("branch-per-environment" in flags("staging-validation", story)) is stated


def test_a_negation_in_a_clause_on_a_noun_does_not_reject_the_claim() -> None:
    """ "any manual change that doesn't match Git" says which changes; ", which isn't right" is a
    remark on the claim and still rejects it."""
    claimed = "With prune enabled, Argo CD reverts any manual change that doesn't match Git."
    assert "prune-reverts-drift" in flags("convincing-push-team", claimed)
    remarked = "With prune enabled, Argo CD reverts any manual change, which isn't right."
    assert "prune-reverts-drift" not in flags("convincing-push-team", remarked)


@pytest.mark.parametrize(
    "reported",
    [
        "The misreading I hear most is that GitOps means the pipeline runs kubectl apply after the merge.",
        "One of the common mistakes is thinking GitOps means the pipeline runs kubectl apply after the merge.",
    ],
)
def test_a_claim_introduced_as_a_common_error_is_not_claimed(reported: str) -> None:
    assert "kubectl-from-ci-is-gitops" in flags(
        "gitops-vs-cicd", "GitOps means the pipeline runs kubectl apply after the merge."
    )
    assert "kubectl-from-ci-is-gitops" not in flags("gitops-vs-cicd", reported)


def test_a_claim_split_over_two_clauses_about_two_things_is_not_asserted() -> None:
    """The reverting is said of selfHeal, the deleting of prune: both right."""
    right = "I'd enable selfHeal so manual changes get reverted, and prune so resources removed from Git are deleted."
    assert "prune-reverts-drift" not in flags("clusters-drifted-apart", right)
    wrong = "I'd enable prune so manual changes get reverted, and selfHeal so resources removed from Git are deleted."
    assert "prune-reverts-drift" in flags("clusters-drifted-apart", wrong)


def test_a_canary_with_automated_analysis_is_not_the_manual_canary_claim() -> None:
    """The misconception is the person watching the dashboards, not the canary's traffic split."""
    automated = (
        "You replace the Deployment with a Rollout whose canary steps send 20 percent of traffic to the new "
        "version first, and an analysis step checks error rates in Prometheus and aborts on failure."
    )
    assert "manual-canary-watching" not in flags("progressive-delivery", automated)
    manual = "During the canary someone watches the dashboards and rolls back by hand if it looks bad."
    assert "manual-canary-watching" in flags("progressive-delivery", manual)


@pytest.mark.parametrize(
    ("question", "claimed", "flag"),
    [
        (  # what a condition foresees is not a verdict
            "convincing-push-team",
            "With prune enabled, Argo CD reverts any manual change, and we roll back if it breaks.",
            "prune-reverts-drift",
        ),
        (  # denying a drawback in the next sentence endorses the claim
            "secrets-in-git",
            "Kubernetes Secrets are base64 encoded so they are safe to commit. That isn't a problem, because "
            "the repo is private.",
            "base64-is-encryption",
        ),
        (
            "secrets-in-git",
            "Kubernetes Secrets are base64 encoded so they are safe to commit. It doesn't matter who can read "
            "the repo.",
            "base64-is-encryption",
        ),
        # misconceptions that independent candidates keep stating
        (
            "rebuild-from-git-principle",
            "We install the Sealed Secrets controller again on the new cluster, and it picks up the "
            "SealedSecrets from the repo and decrypts them like before.",
            "new-controller-decrypts",
        ),
        (
            "sealed-secrets-workflow",
            "The controller renews its key every thirty days, which takes care of rotating our credentials, "
            "so we need no separate rotation process.",
            "renewal-rotates-values",
        ),
        (
            "sync-waves-and-hooks",
            "Flux understands exactly the same annotations, so kustomize-controller applies the waves in order.",
            "flux-honours-argo-annotations",
        ),
        (
            "gitops-vs-cicd",
            "That's the pull model: when a PR merges, the pipeline pulls the manifests from Git and applies them.",
            "kubectl-from-ci-is-gitops",
        ),
        (
            "drift-manual-edit",
            "In an emergency I'd set prune to false on that app so the fix holds, then open a PR.",
            "prune-reverts-drift",
        ),
        (
            "secrets-in-git",
            "Secret manifests store their values base64-encoded, so they aren't readable at a glance.",
            "base64-is-encryption",
        ),
        (
            "progressive-delivery",
            "When the analysis fails, Flagger commits the previous image tag back into the repository for you.",
            "abort-writes-git",
        ),
        (
            "staging-validation",
            "The config repo has a staging branch and a production branch, and each Application tracks one.",
            "branch-per-environment",
        ),
        (
            "sealed-secrets-workflow",
            "If we lose the cluster, we install the controller again and every SealedSecret is decrypted again on "
            "the new cluster.",
            "new-controller-decrypts",
        ),
        (
            "sealed-secrets-workflow",
            "On the operational side, the big advantage is that rotation is built in.",
            "renewal-rotates-values",
        ),
        (
            "helm-with-gitops",
            "That's handy, because you can still use helm list and helm history to see what Argo CD deployed.",
            "argocd-runs-helm-install",
        ),
        (
            "rollback-bad-deploy",
            "I'd open the app, go to History and Rollback, pick the last good revision and roll back.",
            "ui-rollback-leave-git",
        ),
        (
            "progressive-delivery",
            "When a canary aborts, a revert commit is pushed to the config repo restoring the previous image tag.",
            "abort-writes-git",
        ),
        (
            "leaked-secret-response",
            "Once the history is rewritten the password effectively never existed in the repo.",
            "deleting-is-enough",
        ),
        (
            "multi-tenancy",
            "We keep every Application in the default project; the destination on each one already does the "
            "isolation.",
            "namespaces-are-enough",
        ),
        (
            "auto-sync-risks",
            "I'd keep selfHeal, which is what restarts things when they crash, and turn prune off.",
            "selfheal-restarts-pods",
        ),
        (
            "database-migrations-gitops",
            "If the release misbehaves, you git revert that commit and Argo CD brings the schema back to the "
            "previous version.",
            "revert-rolls-back-schema",
        ),
        (
            "applicationset-generators",
            "If someone renames a service directory, the existing Applications just become orphaned and keep "
            "running.",
            "appset-never-deletes",
        ),
        (
            "flux-core-objects",
            "In the app's folder you have a kustomization.yaml, and that is the Flux Kustomization.",
            "kustomization-equals-file",
        ),
        (
            "app-repo-vs-config-repo",
            "We set imagePullPolicy Always, and Argo CD restarts the pods when it sees the registry has a newer image.",
            "latest-tag",
        ),
    ],
)
def test_a_claim_is_asserted(question: str, claimed: str, flag: str) -> None:
    """What follows a claim without judging it leaves it claimed; and the misconceptions candidates
    keep stating are caught."""
    assert flag in flags(question, claimed)


@pytest.mark.parametrize(
    ("question", "correct"),
    [
        (
            "image-update-automation",
            "An ImagePolicy picks the tag to use: a semver range for releases, or a numerical order on a build "
            "timestamp.",
        ),
        (
            "app-repo-vs-config-repo",
            "The last step of the pipeline updates the image tag in the config repo's manifests and commits it.",
        ),
    ],
)
def test_a_claim_is_not_asserted_without_a_word_of_its_own(question: str, correct: str) -> None:
    """ "Use the latest tag ..." shares all its words but "latest" with correct statements about tags."""
    assert "latest-tag" not in flags(question, correct)
    assert "latest-tag" in flags(
        question,
        "Just use the latest tag with imagePullPolicy Always, so new images are picked up on restart.",
    )


def test_a_negation_inside_a_purpose_phrase_does_not_reach_the_main_clause() -> None:
    """ "without" negates the words right after it, not a claim a clause later."""
    claimed = (
        "So Flux can decrypt without anyone placing keys on the clusters by hand, I commit the age private key "
        "into the flux-system folder."
    )
    assert "commit-private-key" in flags("sops-with-flux", claimed)
    rejected = (
        "Rather than committing the age private key to the repo, I create the Secret in the cluster by hand."
    )
    assert "commit-private-key" not in flags("sops-with-flux", rejected)


def test_what_would_happen_otherwise_is_not_claimed() -> None:
    warned = (
        "Restore the sealing key backup into the new cluster, because otherwise the controller generates a "
        "new key and none of the SealedSecrets in Git can be decrypted."
    )
    assert "new-controller-decrypts" not in flags("cluster-rebuild-from-git", warned)


def test_a_reason_that_is_a_harm_rejects_but_a_reason_that_is_a_benefit_does_not() -> None:
    endorsed = "I'd ignore differences on the whole Deployment, because that makes the noise go away."
    assert "ignore-whole-resource" in flags("ignore-differences-managed-fields", endorsed)
    narrow = (
        "For injected sidecars, managedFieldsManagers lets you ignore everything a specific manager owns."
    )
    assert "ignore-whole-resource" not in flags("ignore-differences-managed-fields", narrow)


@pytest.mark.parametrize(
    ("question", "flag", "claimed", "cleared"),
    [
        (
            "staging-validation",
            "branch-per-environment",
            "We keep environment branches and promote by merging dev into staging into main.",
            "I would steer away from a branch per environment where you promote by merging staging into main.",
        ),
        (
            "iac-vs-gitops",
            "terraform-in-git-is-gitops",
            "A merge that triggers terraform apply in the pipeline is GitOps.",
            "A lot of teams equate a merge that triggers terraform apply in the pipeline with GitOps, but "
            "that's still push.",
        ),
        (
            "rollback-bad-deploy",
            "reset-and-force-push",
            "After an abort I git reset main to the previous commit and force-push.",
            "The tempting fix after an abort is to hit rollback in the Argo CD UI, or worse, git reset main to "
            "the previous commit and force-push. I'd rule both out.",
        ),
        (
            "drift-manual-edit",
            "disable-reconciliation-to-keep-edit",
            "I switch off self heal so the kubectl fix sticks.",
            "A pattern I've seen go badly is people switching off self heal so their kubectl fix sticks.",
        ),
        (
            "staging-validation",
            "branch-per-environment",
            "We have a staging branch and a prod branch and promote by merging one into the other.",
            "We used to have a staging branch and a prod branch and promote by merging one into the other. "
            "Every merge dragged along whatever else had landed. So now it's one main branch with folders.",
        ),
        (
            "gitops-vs-cicd",
            "kubectl-from-ci-is-gitops",
            "It's GitOps when the YAML lives in Git and the pipeline runs kubectl apply after the merge.",
            "A lot of people call it GitOps when the YAML lives in Git and the pipeline runs kubectl apply after "
            "the merge, but that's still push.",
        ),
        (
            "staging-validation",
            "branch-per-environment",
            "We create a branch per environment and promote by merging staging into main.",
            "Some teams create a branch per environment and promote by merging staging into main, and I'd steer "
            "away from that, because the branches drift apart.",
        ),
        (
            "staging-validation",
            "branch-per-environment",
            "We create a branch per environment and promote by merging staging into main.",
            "A pattern I'd steer away from, because I've lived with it, is a branch per environment where you "
            "promote by merging staging into main.",
        ),
        (
            "drift-manual-edit",
            "disable-reconciliation-to-keep-edit",
            "I switch off self heal so the kubectl fix sticks.",
            "What I'd push back on, every time someone suggests it after an incident, is the reflex to switch "
            "off self heal so the kubectl fix sticks.",
        ),
        (
            "rollback-bad-deploy",
            "reset-and-force-push",
            "After an abort I git reset main to the previous commit and force-push.",
            "What I wouldn't do when a release goes bad is the instinctive thing: git reset main to the previous "
            "commit and force-push.",
        ),
        (
            "rollback-bad-deploy",
            "reset-and-force-push",
            "After an abort I git reset main to the previous commit and force-push.",
            "The tempting fix after an abort is to open the Argo CD UI, or to git reset main to the previous "
            "commit and force-push. I'd avoid both: the revert commit is the fix.",
        ),
        (
            "drift-manual-edit",
            "disable-reconciliation-to-keep-edit",
            "I switch off self heal so the kubectl fix sticks.",
            "And not what I've seen teams do after an outage at three in the morning: switch off self heal so "
            "the kubectl fix sticks.",
        ),
        (
            "gitops-vs-cicd",
            "kubectl-from-ci-is-gitops",
            "It's GitOps when the YAML lives in Git and the pipeline runs kubectl apply after the merge.",
            "A lot of people describe it as GitOps when the YAML lives in Git and the pipeline runs kubectl apply "
            "after the merge.",
        ),
        (
            "gitops-vs-cicd",
            "kubectl-from-ci-is-gitops",
            "It's GitOps when the YAML lives in Git and the pipeline runs kubectl apply after the merge.",
            "A common belief is that it's GitOps when the YAML lives in Git and the pipeline runs kubectl apply "
            "after the merge.",
        ),
        (
            "gitops-vs-cicd",
            "kubectl-from-ci-is-gitops",
            "It's GitOps when the YAML lives in Git and the pipeline runs kubectl apply after the merge.",
            "It's GitOps when the YAML lives in Git and the pipeline runs kubectl apply after the merge? I "
            "disagree: nothing reconciles afterwards.",
        ),
        (
            "gitops-vs-cicd",
            "kubectl-from-ci-is-gitops",
            "It's GitOps when the YAML lives in Git and the pipeline runs kubectl apply after the merge.",
            "You hear that it's GitOps when the YAML lives in Git and the pipeline runs kubectl apply after the "
            "merge. I'd push back on that, because the pipeline still holds the credentials.",
        ),
        (
            "staging-validation",
            "branch-per-environment",
            "We create a branch per environment and promote by merging staging into main.",
            "A branch per environment I'd avoid, because the branches drift apart.",
        ),
        (
            "staging-validation",
            "branch-per-environment",
            "We create a branch per environment and promote by merging staging into main.",
            "One thing I'd steer people away from is a branch per environment where you promote by merging "
            "staging into main.",
        ),
        (
            "staging-validation",
            "branch-per-environment",
            "We create a branch per environment and promote by merging staging into main.",
            "I prefer directories to a branch per environment where you promote by merging staging into main.",
        ),
        (
            "staging-validation",
            "branch-per-environment",
            "We merge staging into main to promote.",
            "Merging staging into main sounds like promotion, but you end up with cherry-picks and branches that "
            "drift.",
        ),
        (
            "staging-validation",
            "branch-per-environment",
            "We had a branch per environment, where promotion meant merging staging into main.",
            "I'll start with what we moved away from: a branch per environment, where promotion meant merging "
            "staging into main.",
        ),
        (
            "staging-validation",
            "branch-per-environment",
            "We merge staging into main to promote.",
            "Merging staging into main looked neat, but merges carried unrelated commits.",
        ),
        (
            "staging-validation",
            "branch-per-environment",
            "We copy complete manifests into every environment folder, and a branch per environment.",
            "Two patterns I'd steer away from: copying complete manifests into every environment folder, and a "
            "branch per environment.",
        ),
        (
            "sync-interval",
            "poll-every-few-seconds",
            "I'd set timeout.reconciliation to ten seconds.",
            "The knee-jerk fix is to set timeout.reconciliation to ten seconds.",
        ),
        (
            "sync-interval",
            "poll-every-few-seconds",
            "I'd set timeout.reconciliation to ten seconds.",
            "Some would set timeout.reconciliation to ten seconds, and I'd argue against that.",
        ),
        (
            "staging-validation",
            "branch-per-environment",
            "It's simple: merge staging into main to promote.",
            "It looks tidy, merge staging into main to promote, but in practice the branches drift.",
        ),
        (
            "staging-validation",
            "branch-per-environment",
            "We merge staging into prod to promote.",
            "Merging staging into prod drags along whatever else happened to be on staging.",
        ),
        (
            "argocd-application-anatomy",
            "prune-reverts-drift",
            "In production I keep prune off, so the manual fix survives.",
            "In production some teams keep prune off, so the manual fix survives.",
        ),
        (
            "sealed-secrets-workflow",
            "new-controller-decrypts",
            "A fresh controller generates a new key pair and decrypts every SealedSecret in the repo.",
            "Without a backup of the sealing keys a fresh controller generates a new key pair and every "
            "SealedSecret in the repo fails to decrypt.",
        ),
        (
            "rollback-bad-deploy",
            "reset-and-force-push",
            "After an abort I git reset main to the previous commit and force-push.",
            "One: git reset main to the previous commit and force-push. It looks clean, but it rewrites shared "
            "history.",
        ),
        (
            "drift-manual-edit",
            "disable-reconciliation-to-keep-edit",
            "I'd just turn off self heal so the fix sticks.",
            "Everyone's first instinct is to just turn off self heal so the fix sticks, and I'd push back on that.",
        ),
        (
            "staging-validation",
            "branch-per-environment",
            "I'll start with what I do, because I've done it twice: a branch per environment.",
            "I'll start with what I wouldn't do, because I've inherited it twice: a branch per environment.",
        ),
        (
            "staging-validation",
            "branch-per-environment",
            "The other option is having a branch per environment.",
            "The other anti-pattern is having a branch per environment.",
        ),
        (
            "sealed-secrets-workflow",
            "new-controller-decrypts",
            "If the cluster dies, a new controller generates new keys and decrypts every SealedSecret in Git.",
            "If the cluster dies, a new controller generates new keys and every SealedSecret in Git is "
            "undecryptable, so we back up the keys.",
        ),
        (
            "what-belongs-in-git",
            "branch-per-environment",
            "Three things I always do. First, a branch per environment. People like it because promotion looks "
            "like a merge.",
            "Three things I'd explicitly not do. First, a branch per environment. People like it because "
            "promotion looks like a merge.",
        ),
        (  # "fetch" reads as "pull", but a build job that fetched a leaked key is not a pull-based deploy
            "leaked-secret-response",
            "kubectl-from-ci-is-gitops",
            "It's pull based because the deploy job pulls the repo and runs kubectl apply.",
            "Every build job that fetched the repo has the key, so rotating it comes first.",
        ),
        (
            "repo-structure-at-scale",
            "branch-per-environment",
            "The rule is a branch per environment, and we merge to promote.",
            "The first thing I'd rule out is a branch per environment, where you merge to promote.",
        ),
        (
            "immutable-artifact-promotion",
            "branch-per-environment",
            "We keep a branch per environment and merge to promote.",
            "I'd steer clear of a branch per environment, where you merge to promote.",
        ),
        (  # the correct statement shares the claim's words but not its own ("introduce", "delete")
            "kustomize-overlays",
            "overlay-cannot-add-resources",
            "Overlays can't introduce new resources, so the Ingress goes in the base with a delete patch in dev.",
            "The prod overlay adds ingress.yaml under resources, since overlays can add objects, not only patch "
            "them.",
        ),
        (
            "flux-core-objects",
            "helmrelease-heals-by-default",
            "A HelmRelease heals drift just like a Kustomization: helm-controller reverts kubectl changes by "
            "default.",
            "By default helm-controller does not revert kubectl changes to a chart's objects; you set "
            "spec.driftDetection.mode to enabled for that.",
        ),
        (  # supposed in an if-clause whose outcome undoes it
            "image-update-automation",
            "kubectl-set-image",
            "For a hotfix, CI just patches the Deployment with kubectl set image and Argo CD picks it up.",
            "If CI just patched the Deployment with kubectl set image, Argo CD with selfHeal would put the old "
            "image back.",
        ),
        (
            "image-update-automation",
            "kubectl-set-image",
            "If the build passes, CI patches the Deployment with kubectl set image and we're done.",
            "If CI patched the Deployment with kubectl set image, Argo would show it OutOfSync, and you'd lose "
            "the history of what ran when.",
        ),
        (
            "leaked-secret-response",
            "reset-and-force-push",
            "Then I git reset to before the commit and force push main so the secret is gone.",
            "Rewriting history is secondary: a git reset and force push on main disrupts everyone who pulled.",
        ),
        (  # counted in words that the tokens hold as digits
            "kustomize-overlays",
            "branch-per-environment",
            "Two things we settled on. One is a branch per environment, so promotion is a merge.",
            "Two things I'd explicitly not do. One is a branch per environment, so promotion is a merge.",
        ),
        (
            "opengitops-principles",
            "kubectl-from-ci-is-gitops",
            "We do GitOps: our pipeline runs kubectl apply after merge.",
            "I've heard 'we do GitOps, our pipeline runs kubectl apply after merge.'",
        ),
        (
            "drift-manual-edit",
            "disable-reconciliation-to-keep-edit",
            "Turn off selfHeal so my fix sticks, and we'll update Git later.",
            "The usual instinct is 'turn off selfHeal so my fix sticks, and we'll update Git later.' I don't "
            "accept that.",
        ),
        (
            "drift-manual-edit",
            "disable-reconciliation-to-keep-edit",
            "I switch off self heal so the kubectl fix sticks.",
            "What I'd push back on is a reflex I've seen in a few teams: the edit gets reverted, so they switch "
            "off self heal so the kubectl fix sticks.",
        ),
        # a misconception in the words several writers used, and a correct statement in the same words
        (
            "sealed-secrets-workflow",
            "renewal-rotates-values",
            "The controller rotates its keys every 30 days, so your secrets effectively get rotated monthly.",
            "The controller renews its sealing key every 30 days, but the secrets themselves never get rotated by "
            "that.",
        ),
        (
            "sealed-secrets-workflow",
            "new-controller-decrypts",
            "If we lose the cluster, we reinstall the controller and the SealedSecrets decrypt again.",
            "If we lose the cluster and not the key backup, we restore the key first, or no SealedSecret "
            "decrypts.",
        ),
        (
            "cluster-rebuild-from-git",
            "new-controller-decrypts",
            "The secrets come back too, because the Sealed Secrets controller regenerates the same key when you "
            "install it with the same Helm values.",
            "The secrets come back only if we restore the sealing key first; a fresh install generates a new key.",
        ),
        (
            "secrets-in-git",
            "private-repo-is-fine",
            "Committing Secret manifests to our private GitLab repo is fine as long as the repo isn't public.",
            "Whether the repo is public or private, only references to a secret store go into it.",
        ),
        (
            "drift-manual-edit",
            "prune-reverts-drift",
            "If the Application has prune: true, then at the next sync Argo CD prunes fields that aren't in Git, "
            "including the new memory limit.",
            "Prune deletes resources that are no longer in Git; it never touches fields of a live object.",
        ),
        (
            "flux-core-objects",
            "kustomization-equals-file",
            "The core object is the Kustomization, and that's literally the kustomization.yaml you already have in "
            "the folder.",
            "The Flux Kustomization is a custom resource, not literally the kustomization.yaml in the folder.",
        ),
        (
            "database-migrations-gitops",
            "revert-rolls-back-schema",
            "If the release fails, you git revert the commit and Argo CD syncs the previous state, which includes "
            "rolling the schema back.",
            "A git revert rolls back the pods but it doesn't roll the schema back, so migrations must be backward "
            "compatible.",
        ),
        (
            "progressive-delivery",
            "abort-writes-git",
            "When the analysis fails, Flagger rolls back and also updates the repository back to the previous "
            "image tag.",
            "When the analysis fails, Flagger rolls traffic back to the primary; the repository still declares "
            "the new tag until we revert it.",
        ),
        (
            "gitops-vs-cicd",
            "kubectl-from-ci-is-gitops",
            "The pipeline applies the manifests after the merge; Argo CD is mostly a nice UI on top of those "
            "applies.",
            "Argo CD reconciles the cluster from Git, and you get the nice UI on top for visibility.",
        ),
        (
            "secrets-in-git",
            "base64-is-encryption",
            "Kubernetes Secrets are already base64-encoded, so the values in the manifests aren't human-readable, "
            "and we commit them.",
            "Base64 is only an encoding: anyone can decode it, so the values are human-readable to anyone with the "
            "repo.",
        ),
        (
            "secrets-in-git",
            "private-repo-is-fine",
            "Repository permissions are the gate: if you can't see the repo you can't see the secrets.",
            "A private repo is not a control: every clone and CI cache keeps the secret, so I keep only references "
            "in Git.",
        ),
        (
            "gitops-vs-cicd",
            "kubectl-from-ci-is-gitops",
            "The pipeline runs kubectl apply after the merge, and Argo CD is basically a nicer UI on top of the same "
            "idea.",
            "Argo CD is not a UI for the pipeline: it runs in the cluster, pulls from Git and keeps reconciling.",
        ),
        (
            "drift-manual-edit",
            "prune-reverts-drift",
            "If the Application has prune enabled, Argo CD cleans up anything on the live object that isn't in Git.",
            "Prune only deletes resources that were removed from Git; selfHeal is what reverts a live edit.",
        ),
        (
            "clusters-drifted-apart",
            "prune-reverts-drift",
            "Prune is the setting that makes Argo CD take the cluster back to exactly what Git says.",
            "SelfHeal is the setting that makes Argo CD take the cluster back to exactly what Git says.",
        ),
    ],
)
def test_a_claim_is_flagged_and_its_rejection_or_correction_is_not(
    question: str, flag: str, claimed: str, cleared: str
) -> None:
    assert flag in flags(question, claimed)
    assert flag not in flags(question, cleared)


def test_a_negation_in_a_clause_about_the_speaker_is_not_a_verdict_on_the_claim() -> None:
    """ "X, and we never have to rotate by hand" says why the speaker likes X."""
    claimed = (
        "The controller renews its key every 30 days and re-encrypts everything, so the database password is "
        "effectively rotated on that schedule and we never have to do manual rotation."
    )
    assert "renewal-rotates-values" in flags("sealed-secrets-workflow", claimed)


def test_a_relative_clause_on_another_thing_does_not_answer_the_claim() -> None:
    """ "... over Flagger, which doesn't integrate with Git" is about Flagger, not a denial."""
    claimed = (
        "When the analysis fails and the Rollout aborts, Argo CD writes the previous image tag back into the "
        "repo as a commit. That's why I prefer Rollouts over Flagger, which doesn't integrate with Git like that."
    )
    assert "abort-writes-git" in flags("progressive-delivery", claimed)


def test_a_branch_for_each_region_is_a_branch_per_cluster() -> None:
    claimed = "For the layout I'd give each region its own branch and merge main into them to roll out."
    assert "branch-per-cluster" in flags("multi-cluster", claimed)
    assert "branch-per-cluster" in flags(
        "multi-cluster", "I'd give each cluster its own branch in the config repo."
    )


def test_a_sentence_ends_after_its_closing_quote() -> None:
    """ "... so my fix sticks.' I don't accept that." is two sentences, so the second answers the
    first."""
    text = analyse(
        "The usual instinct is 'turn it off so my fix sticks.' I don't accept that. He said \"no.\" Fine."
    )
    assert [text.text[s.start : s.end].strip() for s in text.sentences] == [
        "The usual instinct is 'turn it off so my fix sticks.'",
        "I don't accept that.",
        'He said "no."',
        "Fine.",
    ]


def test_preferring_to_do_something_is_doing_it() -> None:
    """ "I prefer directories to X" passes X over; "I prefer to X" does X."""
    claimed = "I prefer to create a branch per environment and promote by merging staging into main."
    assert "branch-per-environment" in flags("staging-validation", claimed)


def test_a_heading_refuses_only_what_its_own_clause_names() -> None:
    """ "What I wouldn't do is X" heads off X; a heading that says something else, or whose clause
    has ended, does not reach the claim after it."""
    claimed = "What I always do is git reset main to the previous commit and force-push."
    assert "reset-and-force-push" in flags("rollback-bad-deploy", claimed)
    wanted = (
        "What you don't want is a second outage, so I git reset main to the previous commit and force-push."
    )
    assert "reset-and-force-push" in flags("rollback-bad-deploy", wanted)


def test_a_negation_in_a_relative_clause_with_its_own_subject_does_not_reject_the_claim() -> None:
    """ "anything ... that the repo doesn't describe" says which things; after a colon, "that" is
    the speaker's verdict on the claim."""
    claimed = "With prune set to true, Argo CD reverts any manual change that the repo doesn't describe."
    assert "prune-reverts-drift" in flags("convincing-push-team", claimed)
    judged = "With prune set to true, Argo CD reverts any manual change: that wouldn't be right."
    assert "prune-reverts-drift" not in flags("convincing-push-team", judged)


@pytest.mark.parametrize(
    ("question", "correct", "flag"),
    [
        (
            "auto-sync-risks",
            "selfHeal re-applies what Git declares when someone edits a live object; the kubelet restarts "
            "containers that crash, and syncPolicy.retry retries a failed sync.",
            "selfheal-restarts-pods",
        ),
        (
            "database-migrations-gitops",
            "Reverting the Git commit rolls back the pods but not the schema, so migrations have to be backward "
            "compatible, expand then contract.",
            "revert-rolls-back-schema",
        ),
        (
            "applicationset-generators",
            "Generated apps are owned by the ApplicationSet, so if the generator stops matching, those "
            "Applications are deleted, and with the default finalizer their resources go too.",
            "appset-never-deletes",
        ),
        (  # the flag's own sentence must not make every answer about failed syncs read as it
            "gitops-alerting",
            "The team owning the app gets paged when a sync fails or the app goes Degraded, and the alert names "
            "the last healthy revision so they can roll back in Git.",
            "argo-cd-rolls-back-on-its-own",
        ),
    ],
)
def test_the_correct_statement_is_not_its_misconception(question: str, correct: str, flag: str) -> None:
    assert flag not in flags(question, correct)
