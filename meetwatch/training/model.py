"""The emotion network: a compact residual CNN for 48x48 grayscale faces.

Sized for the CPU budget: about 59M multiply-adds per face (on the centre 44x44 crop) and 1.9M
parameters (7.7 MB float, 2.0 MB as the shipped int8 file), so onnxruntime on two cores
classifies a 5x5 gallery in under ten milliseconds while training still fits in an hour of CPU
time (bfloat16 autocast where the CPU has it).
"""

from __future__ import annotations

import torch
from torch import nn


class _Block(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.skip: nn.Module = nn.Identity()
        if stride != 1 or cin != cout:
            self.skip = nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout)
            )
        self.act = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.act(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.act(out + self.skip(x))


# (channels, stride) per residual block after the stem; the stem halves 48x48 to 24x24.
DEFAULT_BLOCKS: tuple[tuple[int, int], ...] = (
    (32, 1),
    (64, 2),
    (64, 1),
    (128, 2),
    (128, 1),
    (192, 2),
    (192, 1),
)


# Training sees random 44x44 crops of the 48x48 face; larger inputs are centre-cropped to it.
CROP = 44


class EmotionNet(nn.Module):
    """Inputs larger than `crop` are centre-cropped, so the shipped file keeps its 48x48 input
    while the network sees faces framed as in training (random crops of that size)."""

    def __init__(
        self,
        stem: int = 32,
        blocks: tuple[tuple[int, int], ...] = DEFAULT_BLOCKS,
        num_classes: int = 7,
        dropout: float = 0.3,
        crop: int = CROP,
    ) -> None:
        super().__init__()
        self.crop = crop
        self.stem = nn.Sequential(
            nn.Conv2d(1, stem, 3, 1, 1, bias=False),
            nn.BatchNorm2d(stem),
            nn.ReLU(inplace=True),
            nn.Conv2d(stem, stem, 3, 2, 1, bias=False),
            nn.BatchNorm2d(stem),
            nn.ReLU(inplace=True),
        )
        layers: list[nn.Module] = []
        cin = stem
        for cout, stride in blocks:
            layers.append(_Block(cin, cout, stride))
            cin = cout
        self.stages = nn.Sequential(*layers)
        self.head = nn.Sequential(
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(dropout), nn.Linear(cin, num_classes)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        size = x.shape[-1]
        if self.crop and size > self.crop:
            a = (size - self.crop) // 2
            x = x[:, :, a : a + self.crop, a : a + self.crop]
        return self.head(self.stages(self.stem(x)))
