"""Print a writer's packet for a new evaluation set: the grading guide, then each question's
prompt with the kind of its ninth answer, then the anchors of the competencies those questions
weigh. A writer gets this packet and nothing else (not the scorer, not its cues, not other sets).

    .venv/bin/python benchmarks/eval/writing/packet.py H46A sync-interval=injection gitops-vs-cicd=jargon
"""

import argparse
from pathlib import Path

import yaml

from app.paths import QUESTION_BANK_DIR

GUIDE = Path(__file__).with_name("guide.md")


def packet(set_tag: str, assignments: list[tuple[str, str]]) -> str:
    competencies = {
        c["id"]: c
        for c in yaml.safe_load((QUESTION_BANK_DIR / "competencies.yaml").read_text())["competencies"]
    }
    parts = [GUIDE.read_text(), f"\nSET tag for ids: {set_tag}\n"]
    weighed: list[str] = []
    for question_id, ninth in assignments:
        question = yaml.safe_load((QUESTION_BANK_DIR / "questions" / f"{question_id}.yaml").read_text())
        weights = ", ".join(f"{c['id']} (weight {c['weight']})" for c in question["competencies"])
        parts.append(
            f"\n## Question `{question_id}`: {question['title']}\n\nPrompt: {question['prompt'].strip()}\n\n"
            f"Ninth answer kind: `{ninth}`\n\nCompetencies: {weights}"
        )
        weighed += [c["id"] for c in question["competencies"]]
    parts.append("\n## Competency anchors\n")
    for competency_id in dict.fromkeys(weighed):
        competency = competencies[competency_id]
        parts.append(f"\n### {competency_id}: {competency['name']}\n{competency['description'].strip()}\n")
        parts += [f"- level {level}: {text.strip()}" for level, text in competency["anchors"].items()]
    return "\n".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("set_tag")
    parser.add_argument("assignments", nargs="+", help="question-id=ninth-kind")
    args = parser.parse_args()
    assignments = [(question, ninth) for question, _, ninth in (a.partition("=") for a in args.assignments)]
    print(packet(args.set_tag, assignments))


if __name__ == "__main__":
    main()
