"""`meetwatch eval emotion`: every figure of the model card, as text or as JSON."""

from __future__ import annotations

import sys
from pathlib import Path

from meetwatch.analysis.emotion import EmotionModel
from meetwatch.errors import ConfigError
from meetwatch.shared import EMOTIONS
from meetwatch.training.eval_report import EvalReport
from meetwatch.training.evaluate import (
    evaluate_sets,
    ferplus_private_by_face_size,
    format_metrics,
    label_agreement,
    save_confusion_png,
    with_flip,
)


def format_face_sizes(by_size: dict[int, float]) -> str:
    return "FER+ PrivateTest (Microsoft protocol) accuracy by face size: " + ", ".join(
        f"{px} px {acc:.3f}" for px, acc in by_size.items()
    )


def run_eval(
    model: EmotionModel, root: Path, out: Path, *, tta: bool, limit: int, as_json: bool
) -> None:
    """Evaluate, write the confusion matrices to `out` and print the report to stdout."""
    predict = with_flip(model.predict) if tta else model.predict
    results = evaluate_sets(root, predict, limit=limit)
    agreement = None if limit else label_agreement(root, predict)
    by_size = None if limit else ferplus_private_by_face_size(root, predict)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create {out}: {exc.strerror}") from exc
    text = [format_metrics(m) for m in results.values()]
    for key, m in results.items():
        save_confusion_png(m, out / f"confusion_{key}.png")
    if agreement is not None:
        text.append(agreement.describe())
    if by_size is not None:
        text.append(format_face_sizes(by_size))
    report = "\n\n".join(text)
    (out / "confusion.txt").write_text(report + "\n")
    if as_json:
        doc = EvalReport.build(
            model_sha256=model.manifest.sha256,
            temperature=model.manifest.temperature,
            classes=EMOTIONS,
            tta=tta,
            limit=limit,
            sets=results,
            agreement=agreement,
            by_size=by_size,
        )
        print(doc.model_dump_json(indent=2))
        print(f"confusion matrices written to {out}", file=sys.stderr)
        return
    print(report)
    print(f"\nconfusion matrices written to {out}")
