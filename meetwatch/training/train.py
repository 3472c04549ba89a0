"""Train the emotion model on FER-2013 faces with the FER+ vote distribution as targets.

    python -m meetwatch.training.train --data DIR --out runs/emotion [--epochs 60] [--resume]
    python -m meetwatch.training.train ... --init models/emotion.onnx   # fine-tune the shipped one

Selects on PublicTest only (PrivateTest is kept for the model card): the mean of accuracy and
macro F1 against FER+ labels under Microsoft's majority protocol. Checkpoints every epoch
atomically, so a killed run resumes where it stopped with --resume; the same seed gives the
same run. Uses a GPU when one is present, bfloat16 autocast on CPUs that support it.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from meetwatch.analysis.face_crop import normalize
from meetwatch.errors import DataError, ModelError, exit_code_of
from meetwatch.training.augment import augment_batch, random_crops
from meetwatch.training.data import (
    CLASSES,
    PUBLIC_TEST,
    TRAIN,
    data_root,
    load_fer2013,
    load_teacher,
)
from meetwatch.training.evaluate import compute_metrics
from meetwatch.training.model import CROP, EmotionNet
from meetwatch.training.onnx_weights import load_onnx_weights


@dataclass
class TrainConfig:
    epochs: int = 60
    batch_size: int = 128
    lr: float = 0.1
    weight_decay: float = 5e-4
    seed: int = 1234
    class_weight_power: float = 0.5  # weight_c = freq_c ** -power: lifts disgust and fear
    max_batches: int = 0  # >0: stop each epoch early (smoke tests)
    threads: int = 0  # 0: torch default
    degrade: float = 1.0  # scales the meeting-tile degradation probabilities (augment.py)
    label_smoothing: float = 0.05  # share of each target spread evenly over the classes
    single_votes: int = 0  # 1: keep FER+ single votes in the targets (data.py)
    teacher: str = ""  # .npy of ensemble probabilities on the Training faces (distill.py)
    teacher_weight: float = 0.5  # share of the target taken from the teacher


def _device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def _bf16_ok(device: torch.device) -> bool:
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    return bool(getattr(torch.backends.mkldnn, "is_available", lambda: False)()) and _cpu_has_bf16()


def _cpu_has_bf16() -> bool:
    try:
        return (
            "avx512_bf16" in Path("/proc/cpuinfo").read_text()
            or "amx_bf16" in Path("/proc/cpuinfo").read_text()
        )
    except OSError:
        return False


def selection_score(pred: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """(accuracy, macro F1) on the rows with a label (>= 0): the written selection criterion."""
    keep = labels >= 0
    m = compute_metrics("", labels[keep], pred[keep])
    return m.accuracy, m.macro[2]


def initial_weights(path: Path, faces: np.ndarray) -> dict[str, torch.Tensor]:
    """Weights to start from: a checkpoint, or the shipped ONNX file when no checkpoint exists."""
    if path.suffix == ".onnx":
        return load_onnx_weights(path, faces).state_dict()
    return load_checkpoint(path)["model"]


def class_weights(targets: np.ndarray, power: float) -> np.ndarray:
    freq = targets.mean(axis=0)
    w = np.power(np.maximum(freq, 1e-4), -power)
    return (w / (w * freq).sum()).astype(np.float32)  # keeps the mean loss scale


def soft_cross_entropy(
    logits: torch.Tensor, target: torch.Tensor, weight: torch.Tensor
) -> torch.Tensor:
    logp = F.log_softmax(logits.float(), dim=1)
    return -(target * weight * logp).sum(dim=1).mean()


@torch.no_grad()
def predict(model: torch.nn.Module, faces: np.ndarray, device: torch.device) -> np.ndarray:
    model.eval()
    out = []
    for i in range(0, len(faces), 512):
        x = torch.from_numpy(normalize(faces[i : i + 512])).to(device)
        out.append(torch.softmax(model(x).float(), dim=1).cpu().numpy())
    return np.concatenate(out)


def one_cycle(step: int, total: int, warmup: float = 0.15) -> float:
    """LR multiplier: linear warm-up from 1/25 to 1 over `warmup` of the run, then cosine to 0."""
    progress = min(1.0, step / total)
    if progress < warmup:
        return 0.04 + 0.96 * progress / warmup
    return 0.5 * (1 + math.cos(math.pi * (progress - warmup) / (1 - warmup)))


def save_atomic(obj: dict, path: Path) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save(obj, tmp)
    tmp.replace(path)


def load_checkpoint(path: Path) -> dict:
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as exc:  # torch raises many types for a damaged file
        raise ModelError(f"checkpoint {path} is corrupt or unreadable: {exc}") from exc
    if not isinstance(ckpt, dict) or "model" not in ckpt:
        raise ModelError(f"checkpoint {path} has no model weights")
    return ckpt


def train(
    data_dir: Path, out: Path, cfg: TrainConfig, resume: bool = False, init: Path | None = None
) -> dict:
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    fer = load_fer2013(data_dir)
    tr, val = fer.subset(TRAIN), fer.subset(PUBLIC_TEST)
    if len(tr.x) == 0 or len(val.x) == 0:
        raise DataError("FER-2013 archive has no Training or PublicTest rows")
    targets = tr.soft_targets(bool(cfg.single_votes))
    if cfg.teacher:
        teacher = load_teacher(Path(cfg.teacher), len(tr.x))
        targets = (1 - cfg.teacher_weight) * targets + cfg.teacher_weight * teacher
    targets = (1 - cfg.label_smoothing) * targets + cfg.label_smoothing / len(CLASSES)
    val_labels = val.ferplus_microsoft()
    device = _device()
    use_bf16 = _bf16_ok(device)
    torch.manual_seed(cfg.seed)
    model = EmotionNet()
    if init is not None:  # a warm restart: these weights, a fresh optimiser and schedule
        model.load_state_dict(initial_weights(init, tr.x[:8192]))
    model = model.to(device)
    model = model.to(memory_format=torch.channels_last)  # type: ignore[call-overload]
    weight = torch.from_numpy(class_weights(targets, cfg.class_weight_power)).to(device)
    opt = torch.optim.SGD(
        model.parameters(), lr=cfg.lr, momentum=0.9, nesterov=True, weight_decay=cfg.weight_decay
    )
    steps = len(tr.x) // cfg.batch_size
    if cfg.max_batches:
        steps = min(steps, cfg.max_batches)
    total_steps = max(1, cfg.epochs * steps)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda step: one_cycle(step, total_steps))
    out.mkdir(parents=True, exist_ok=True)
    ckpt_path, best_path, log_path = out / "checkpoint.pt", out / "best.pt", out / "log.jsonl"
    start_epoch, best = 0, -1.0
    if resume and ckpt_path.exists():
        ckpt = load_checkpoint(ckpt_path)
        model.load_state_dict(ckpt["model"])
        opt.load_state_dict(ckpt["opt"])
        start_epoch, best = ckpt["epoch"] + 1, ckpt["best"]
        # The schedule is a function of progress, so a run can be resumed with a different
        # --epochs (e.g. shortened to meet a deadline): it continues on the rescaled curve.
        for group in opt.param_groups:
            group["initial_lr"] = cfg.lr
        sched = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda step: one_cycle(step, total_steps), last_epoch=start_epoch * steps - 1
        )
        print(f"resumed from epoch {start_epoch}, best PublicTest score {best:.4f}")
    for epoch in range(start_epoch, cfg.epochs):
        rng = np.random.default_rng([cfg.seed, epoch])
        torch.manual_seed(cfg.seed * 1000 + epoch)
        order = rng.permutation(len(tr.x))
        model.train()
        t0, total = time.time(), 0.0
        with Progress(
            TextColumn(f"epoch {epoch + 1}/{cfg.epochs}"),
            BarColumn(),
            TextColumn("{task.fields[loss]}"),
            TimeRemainingColumn(),
            disable=not sys.stdout.isatty(),
        ) as bar:
            task = bar.add_task("train", total=steps, loss="")
            for b in range(steps):
                idx = order[b * cfg.batch_size : (b + 1) * cfg.batch_size]
                faces = normalize(augment_batch(tr.x[idx], rng, cfg.degrade))
                # standardised over the whole face, as at inference, before the crop
                x = torch.from_numpy(random_crops(faces, CROP, rng)).to(device)
                x = x.contiguous(memory_format=torch.channels_last)
                t = torch.from_numpy(targets[idx]).to(device)
                with torch.autocast(device.type, dtype=torch.bfloat16, enabled=use_bf16):
                    logits = model(x)
                loss = soft_cross_entropy(logits, t, weight)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                sched.step()
                total += loss.item()
                bar.update(task, advance=1, loss=f"loss {total / (b + 1):.3f}")
        probs = predict(model, val.x, device)
        pred = probs.argmax(1)
        acc_plus, f1_plus = selection_score(pred, val_labels)
        score = (acc_plus + f1_plus) / 2
        entry = {
            "epoch": epoch + 1,
            "loss": total / steps,
            "public_original_acc": float((pred == val.y).mean()),
            "public_ferplus_acc": acc_plus,
            "public_ferplus_macro_f1": f1_plus,
            "lr": sched.get_last_lr()[0],
            "seconds": round(time.time() - t0, 1),
        }
        with log_path.open("a") as fh:
            fh.write(json.dumps(entry) + "\n")
        print(json.dumps(entry), flush=True)
        if score > best:
            best = score
            save_atomic(
                {
                    "model": model.state_dict(),
                    "epoch": epoch,
                    "score": score,
                    "config": asdict(cfg),
                },
                best_path,
            )
        save_atomic(
            {
                "model": model.state_dict(),
                "opt": opt.state_dict(),
                "epoch": epoch,
                "best": best,
                "config": asdict(cfg),
            },
            ckpt_path,
        )
    return {"best_public_score": best, "classes": list(CLASSES)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--data", help="shared data folder (default: $MEETWATCH_DATA)")
    p.add_argument("--out", default="runs/emotion", help="checkpoint and log folder")
    p.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.pt")
    p.add_argument("--init", type=Path, help="start from these weights (a warm restart)")
    for field, default in asdict(TrainConfig()).items():
        p.add_argument(f"--{field.replace('_', '-')}", type=type(default), default=default)
    args = p.parse_args(argv)
    cfg = TrainConfig(**{k: getattr(args, k) for k in asdict(TrainConfig())})
    return exit_code_of(
        lambda: train(data_root(args.data), Path(args.out), cfg, resume=args.resume, init=args.init)
    )


if __name__ == "__main__":
    sys.exit(main())
