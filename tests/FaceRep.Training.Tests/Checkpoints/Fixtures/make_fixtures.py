#!/usr/bin/python3
"""PyTorch interop fixtures for ModelInteropTests.

Run with Debian's interpreter (python3-torch 1.13, python3-torchvision 0.14) from any
directory; it rewrites the fixtures next to this file:

    /usr/bin/python3 tests/FaceRep.Training.Tests/Checkpoints/Fixtures/make_fixtures.py

The C# tests only read the files this writes; they never need Python.

Files written (all weights random and seeded: reruns give the same bytes, except
legacy.pth, whose pre-zip format names storages by object id):

  torchvision_resnet_keys.json   torchvision resnet18/resnet50 state-dict keys and shapes
  resnet18_w0125_release.pth     width-0.125 ResNet-18, keys prefixed `module.base_net.`,
                                 plus `module.projector.*` (the paper's release layout)
  resnet18_w0125_nested.pth      the same weights as {"state_dict": ..., "epoch": ...},
                                 torchvision names including fc.weight/fc.bias
  resnet50_w00625_model.pth      width-0.0625 ResNet-50 as {"model": ...} with `module.`
  resnet50_w00625.safetensors    the same weights, plain torchvision names with fc
  features.safetensors           "input" and each model's expected pooled features
                                 ("<model>.features") in eval mode
  legacy.pth                     a state dict saved in the pre-zip (legacy) format
  unrelated.pth                  a zip state dict whose keys match no backbone

Checking files exported by the C# side (the other direction):

    FACEREP_EXPORT_DIR=/tmp/x dotnet test ... --filter ModelInteropTests
    /usr/bin/python3 .../make_fixtures.py --check-export /tmp/x

loads every *.safetensors there: names like `resnet50_w1.safetensors` go into
torchvision.models.resnet50() with load_state_dict(strict=False); reduced widths go into
the mirror class below and, when the weights are the release fixture's, must reproduce its
features.
"""

import argparse
import json
import os
import struct
import sys

import torch
import torchvision
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
INPUT_SHAPE = (2, 3, 64, 64)


def channels(c, w):
    """FaceRep's width rule (ResNet.Channels): max(4, round(c*w)); both roundings are to even."""
    return max(4, int(round(c * w)))


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, inplanes, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or inplanes != planes:
            self.downsample = nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        y = self.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return self.relu(y + (x if self.downsample is None else self.downsample(x)))


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, inplanes, planes, stride):
        super().__init__()
        out = planes * 4
        self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, out, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(out)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None
        if stride != 1 or inplanes != out:
            self.downsample = nn.Sequential(nn.Conv2d(inplanes, out, 1, stride, bias=False), nn.BatchNorm2d(out))

    def forward(self, x):
        y = self.relu(self.bn1(self.conv1(x)))
        y = self.relu(self.bn2(self.conv2(y)))
        y = self.bn3(self.conv3(y))
        return self.relu(y + (x if self.downsample is None else self.downsample(x)))


ARCHS = {"resnet18": (BasicBlock, [2, 2, 2, 2]), "resnet50": (Bottleneck, [3, 4, 6, 3])}


class ResNet(nn.Module):
    """torchvision's ResNet module names and computation, with FaceRep's width multiplier."""

    def __init__(self, arch, width, num_classes=10):
        super().__init__()
        block, layers = ARCHS[arch]
        stem = channels(64, width)
        self.conv1 = nn.Conv2d(3, stem, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(stem)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.inplanes = stem
        self.layer1 = self._stage(block, channels(64, width), layers[0], 1)
        self.layer2 = self._stage(block, channels(128, width), layers[1], 2)
        self.layer3 = self._stage(block, channels(256, width), layers[2], 2)
        self.layer4 = self._stage(block, channels(512, width), layers[3], 2)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(self.inplanes, num_classes)

    def _stage(self, block, planes, count, stride):
        blocks = []
        for i in range(count):
            blocks.append(block(self.inplanes, planes, stride if i == 0 else 1))
            self.inplanes = planes * block.expansion
        return nn.Sequential(*blocks)

    def features(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return torch.flatten(self.avgpool(x), 1)

    def forward(self, x):
        return self.fc(self.features(x))


def randomise(model, seed):
    """Random weights and non-trivial batch-norm statistics, so a wrong or missing key shows."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.Conv2d):
                fan_out = m.out_channels * m.kernel_size[0] * m.kernel_size[1]
                m.weight.copy_(torch.randn(m.weight.shape, generator=g) * (2.0 / fan_out) ** 0.5)
            elif isinstance(m, nn.BatchNorm2d):
                n = m.num_features
                m.weight.copy_(0.5 + torch.rand(n, generator=g))
                m.bias.copy_(0.1 * torch.randn(n, generator=g))
                m.running_mean.copy_(0.2 * torch.randn(n, generator=g))
                m.running_var.copy_(0.5 + torch.rand(n, generator=g))
                m.num_batches_tracked.fill_(int(torch.randint(1, 10_000, (1,), generator=g)))
            elif isinstance(m, nn.Linear):
                m.weight.copy_(0.05 * torch.randn(m.weight.shape, generator=g))
                m.bias.copy_(0.05 * torch.randn(m.bias.shape, generator=g))


# --- safetensors (format: 8-byte little-endian header length, JSON header, raw data) ---
# Written here because Debian ships no python3-safetensors.

DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.int64: "I64", torch.int32: "I32", torch.uint8: "U8"}


def write_safetensors(path, tensors, metadata=None):
    header, chunks, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, t in tensors.items():
        data = t.detach().contiguous().cpu().numpy().tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # the reference writer pads the header to 8 bytes
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for c in chunks:
            f.write(c)


def read_safetensors(path):
    by_name = {v: k for k, v in DTYPES.items()}
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        start, end = e["data_offsets"]
        dtype = by_name[e["dtype"]]
        out[name] = torch.frombuffer(bytearray(data[start:end]), dtype=dtype).reshape(e["shape"]).clone()
    return out


def check_mirror_matches_torchvision():
    """The mirror at width 1 takes torchvision's state dict strictly and computes the same features."""
    x = torch.randn(1, 3, 64, 64, generator=torch.Generator().manual_seed(7))
    for arch in ARCHS:
        tv = getattr(torchvision.models, arch)()
        randomise(tv, 11)
        mirror = ResNet(arch, 1.0, num_classes=1000)
        mirror.load_state_dict(tv.state_dict(), strict=True)
        tv.eval()
        mirror.eval()
        with torch.no_grad():
            diff = (tv(x) - mirror(x)).abs().max().item()
        assert diff == 0.0, f"mirror {arch} differs from torchvision by {diff}"


def compact_json(value, indent=0):
    """JSON with one line per key: readable diffs, no line per shape element."""
    if isinstance(value, dict) and any(isinstance(v, (dict, list)) for v in value.values()):
        pad = " " * (indent + 1)
        items = [f"{pad}{json.dumps(k)}: {compact_json(v, indent + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + " " * indent + "}"
    return json.dumps(value)


def build(arch, width, seed):
    model = ResNet(arch, width)
    randomise(model, seed)
    model.eval()
    return model


def save_pth(obj, name, **kwargs):
    torch.save(obj, os.path.join(HERE, name), **kwargs)


def make():
    check_mirror_matches_torchvision()

    keys = {"torch": torch.__version__, "torchvision": torchvision.__version__, "models": {}}
    for arch in ARCHS:
        sd = getattr(torchvision.models, arch)().state_dict()
        keys["models"][arch] = {k: list(v.shape) for k, v in sd.items()}
    with open(os.path.join(HERE, "torchvision_resnet_keys.json"), "w", encoding="utf-8") as f:
        f.write(compact_json(keys) + "\n")

    x = torch.randn(INPUT_SHAPE, generator=torch.Generator().manual_seed(2024))
    features = {"input": x}

    r18 = build("resnet18", 0.125, 1)
    r50 = build("resnet50", 0.0625, 2)
    with torch.no_grad():
        features["resnet18_w0125.features"] = r18.features(x)
        features["resnet50_w00625.features"] = r50.features(x)
    for name, f in features.items():
        assert torch.isfinite(f).all() and f.abs().max() > 0.1, name
    write_safetensors(os.path.join(HERE, "features.safetensors"), features, {"format": "pt"})

    sd18 = r18.state_dict()
    # The paper's release: a DDP-wrapped model whose backbone is `base_net`, with a projector
    # and no classifier.
    torch.manual_seed(5)
    projector = nn.Sequential(nn.Linear(r18.inplanes, 32), nn.ReLU(), nn.Linear(32, 16))
    release = {f"module.base_net.{k}": v for k, v in sd18.items() if not k.startswith("fc.")}
    release.update({f"module.projector.{k}": v for k, v in projector.state_dict().items()})
    save_pth(release, "resnet18_w0125_release.pth")
    save_pth({"state_dict": sd18, "epoch": 7, "arch": "resnet18"}, "resnet18_w0125_nested.pth")

    sd50 = r50.state_dict()
    save_pth({"model": {f"module.{k}": v for k, v in sd50.items()}, "epoch": 3}, "resnet50_w00625_model.pth")
    write_safetensors(os.path.join(HERE, "resnet50_w00625.safetensors"), sd50, {"format": "pt"})

    tiny = {"conv1.weight": torch.randn(4, 3, 7, 7, generator=torch.Generator().manual_seed(3))}
    save_pth(tiny, "legacy.pth", _use_new_zipfile_serialization=False)
    save_pth({"encoder.weight": torch.ones(4, 4), "decoder.weight": torch.ones(4, 4)}, "unrelated.pth")

    # Loading our own fixtures back the PyTorch way proves they are what they claim to be.
    reloaded = ResNet("resnet18", 0.125)
    reloaded.load_state_dict(torch.load(os.path.join(HERE, "resnet18_w0125_nested.pth"))["state_dict"])
    reloaded.eval()
    with torch.no_grad():
        assert torch.equal(reloaded.features(x), features["resnet18_w0125.features"])
    for name in sorted(os.listdir(HERE)):
        if not name.endswith(".py"):
            print(f"{os.path.getsize(os.path.join(HERE, name)):>9}  {name}")


def check_export(directory):
    """Loads C#-exported safetensors into PyTorch models."""
    fixtures = read_safetensors(os.path.join(HERE, "features.safetensors"))
    checked = 0
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".safetensors"):
            continue
        arch, _, width = name[: -len(".safetensors")].partition("_w")
        sd = read_safetensors(os.path.join(directory, name))
        if width == "1":
            model = getattr(torchvision.models, arch)()
        else:
            model = ResNet(arch, float(width))
        result = model.load_state_dict(sd, strict=False)
        assert not result.unexpected_keys, f"{name}: unexpected {result.unexpected_keys}"
        assert sorted(result.missing_keys) == ["fc.bias", "fc.weight"], f"{name}: missing {result.missing_keys}"
        assert all(t.dtype in (torch.float32, torch.int64) and t.is_contiguous() for t in sd.values())
        model.eval()
        x = fixtures["input"]
        with torch.no_grad():
            if isinstance(model, ResNet):
                got = model.features(x)
                expected = fixtures.get(f"{arch}_w{width.replace('.', '')}.features")
                if expected is not None:
                    rel = ((got - expected).abs().max() / expected.abs().max()).item()
                    assert rel < 1e-5, f"{name}: features differ by {rel:.2e} relative"
                    print(f"{name}: features match the fixture ({rel:.1e} relative)")
            else:
                model(x)
        kind = f"torchvision.models.{arch}()" if width == "1" else f"the mirror {arch} at width {width}"
        print(f"{name}: loads into {kind} with strict=False, missing only fc.*")
        checked += 1
    if checked == 0:
        sys.exit(f"no .safetensors files in {directory}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check-export", metavar="DIR", help="load C#-exported .safetensors files from DIR")
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.check_export:
        check_export(args.check_export)
    else:
        make()
