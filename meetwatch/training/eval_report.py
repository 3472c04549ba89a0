"""The JSON that `meetwatch eval emotion --json` prints, as pydantic models.

Scripts and CI compare models with it, so its shape is a contract: the JSON Schema generated
from these models is kept in docs/eval.schema.json (a test fails when it goes stale) and
described in docs/eval.md.

    python -m meetwatch.training.eval_report --schema > docs/eval.schema.json
"""

from __future__ import annotations

import json
import sys

from pydantic import BaseModel, ConfigDict, Field

from meetwatch.training.evaluate import LabelAgreement, Metrics

SCHEMA_VERSION = 1


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Scores(_Model):
    precision: float = Field(ge=0, le=1)
    recall: float = Field(ge=0, le=1)
    f1: float = Field(ge=0, le=1)


class SetReport(_Model):
    name: str = Field(description="What was evaluated, with its label protocol")
    n: int = Field(ge=0, description="Faces evaluated (after the protocol's removals)")
    accuracy: float = Field(ge=0, le=1)
    macro: Scores = Field(description="Unweighted mean over the classes present in the set")
    weighted: Scores = Field(description="Mean over classes weighted by their support")
    recall: dict[str, float] = Field(description="Per-class recall keyed by class name")
    confusion: list[list[int]] = Field(
        description="7x7 counts, rows true class, columns predicted, FER-2013 class order"
    )
    ece: float | None = Field(
        None, description="Expected calibration error (15 bins) of the reported probabilities"
    )

    @classmethod
    def of(cls, m: Metrics) -> SetReport:
        return cls(
            name=m.name,
            n=m.n,
            accuracy=m.accuracy,
            macro=Scores(precision=m.macro[0], recall=m.macro[1], f1=m.macro[2]),
            weighted=Scores(precision=m.weighted[0], recall=m.weighted[1], f1=m.weighted[2]),
            recall=m.recall,
            confusion=m.confusion.tolist(),
            ece=m.ece,
        )


class EvalReport(_Model):
    schema_version: int = Field(SCHEMA_VERSION, description="Bumped on incompatible changes")
    model_sha256: str = Field(description="sha256 of the evaluated emotion.onnx")
    temperature: float = Field(description="Calibration temperature applied to probabilities")
    classes: list[str] = Field(description="Class order of confusion rows and columns")
    tta: bool = Field(description="True when each face was averaged with its mirror image")
    limit: int = Field(ge=0, description="First N PrivateTest faces only; 0 for all")
    sets: dict[str, SetReport] = Field(
        description="ferplus_private_microsoft (the headline: FER+ labels under Microsoft's "
        "majority protocol), fer2013_private (original labels), ferplus_private (FER+ "
        "plurality labels), ckplus (cross-dataset; absent with a limit)"
    )
    label_agreement: dict[str, float | int] | None = Field(
        None, description="How the original and FER+ plurality labels agree; absent with a limit"
    )
    accuracy_by_face_size: dict[str, float] | None = Field(
        None,
        description="FER+ PrivateTest (Microsoft protocol) accuracy with faces shown N pixels "
        "across (downscaled and upscaled back), keyed by N; absent with a limit",
    )

    @classmethod
    def build(
        cls,
        *,
        model_sha256: str,
        temperature: float,
        classes: tuple[str, ...],
        tta: bool,
        limit: int,
        sets: dict[str, Metrics],
        agreement: LabelAgreement | None,
        by_size: dict[int, float] | None,
    ) -> EvalReport:
        return cls(
            model_sha256=model_sha256,
            temperature=temperature,
            classes=list(classes),
            tta=tta,
            limit=limit,
            sets={k: SetReport.of(m) for k, m in sets.items()},
            label_agreement=None if agreement is None else agreement.as_dict(),
            accuracy_by_face_size=None
            if by_size is None
            else {str(k): v for k, v in by_size.items()},
        )


def schema_json() -> str:
    return json.dumps(EvalReport.model_json_schema(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    if sys.argv[1:] != ["--schema"]:
        sys.exit("usage: python -m meetwatch.training.eval_report --schema")
    sys.stdout.write(schema_json())
