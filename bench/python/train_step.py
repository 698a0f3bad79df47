#!/usr/bin/python3
"""PyTorch reference for the `train` benchmark of FaceRep.Bench.

Times the same training step as FaceRep.Training's PretrainSession.Step, on pre-made tensors:
torchvision's ResNet-18 (classifier replaced by identity; at --width other than 1 the same network
with every stage's channels scaled as FaceRep's ResNet scales them), the same projector
(Linear without bias -> BatchNorm1d -> ReLU -> Linear, hidden max(64, features)), the same loss and AdamW (lr 1e-3,
weight decay 1e-4), with the same procedure as the C# benchmark: warm-up steps, then blocks of
timed steps, each run once other processes are quiet and redone when they were not; the median
step and its range.
Each step also copies the [0, 1] pixels into fresh tensors and normalises them ((x - 0.5) / 0.25),
as PretrainSession.Step does with the arrays a ViewPipeline hands it.

A side-by-side reference only (Debian's python3-torch); never a dependency of the product.
Prints one JSON object per line: {"kind": "matmul" | "step", ...}.

    /usr/bin/python3 bench/python/train_step.py [--methods simclr,swav] [--threads 2] [--batch 32]
        [--input 64] [--width 1] [--warmup 3] [--rounds 3] [--steps 5] [--matmul 1024] [--freeze 313] [--foreach] [--phases] [--max-load 0.1] [--serve]
"""

import argparse
import json
import os
import resource
import statistics
import sys
import time

import torch
import torch.nn.functional as F
import torchvision


def projector(features, hidden, out):
    return torch.nn.Sequential(
        torch.nn.Linear(features, hidden, bias=False),
        torch.nn.BatchNorm1d(hidden),
        torch.nn.ReLU(),
        torch.nn.Linear(hidden, out),
    )


def channels(torchvision_channels, width):
    # As FaceRep.Training.Backbones.ResNet.Channels.
    return max(4, round(torchvision_channels * width))


class BasicBlock(torch.nn.Module):
    """torchvision's BasicBlock with its channel counts given."""

    def __init__(self, inplanes, planes, stride):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = torch.nn.BatchNorm2d(planes)
        self.conv2 = torch.nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = torch.nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or inplanes != planes:
            self.downsample = torch.nn.Sequential(torch.nn.Conv2d(inplanes, planes, 1, stride, bias=False), torch.nn.BatchNorm2d(planes))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + (x if self.downsample is None else self.downsample(x)))


class ScaledResNet18(torch.nn.Module):
    """ResNet-18 without classifier at a channel multiplier, as FaceRep's ResNet(width)."""

    def __init__(self, width):
        super().__init__()
        stem = channels(64, width)
        self.conv1 = torch.nn.Conv2d(3, stem, 7, 2, 3, bias=False)
        self.bn1 = torch.nn.BatchNorm2d(stem)
        self.maxpool = torch.nn.MaxPool2d(3, 2, 1)
        stages = []
        inplanes = stem
        for planes, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
            planes = channels(planes, width)
            stages.append(torch.nn.Sequential(BasicBlock(inplanes, planes, stride), BasicBlock(planes, planes, 1)))
            inplanes = planes
        self.layer1, self.layer2, self.layer3, self.layer4 = stages
        self.features = inplanes
        for m in self.modules():
            if isinstance(m, torch.nn.Conv2d):
                torch.nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x):
        x = self.maxpool(F.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)


WIDTH = 1.0


def backbone():
    if WIDTH == 1.0:
        model = torchvision.models.resnet18(weights=None)
        model.fc = torch.nn.Identity()
        model.features = 512
        return model
    return ScaledResNet18(WIDTH)


def head(model):
    # As SimClrMethod / SwavMethod: hidden max(64, features), output 64.
    return projector(model.features, max(64, model.features), 64)


def nt_xent(z1, z2, temperature):
    # As FaceRep.Training.Methods.Losses.NtXent.
    n = z1.shape[0]
    z = F.normalize(torch.cat([z1, z2], 0), dim=1)
    logits = (z @ z.t()) / temperature
    logits = logits.masked_fill(torch.eye(2 * n, dtype=torch.bool), float("-inf"))
    index = torch.arange(n)
    targets = torch.cat([index + n, index], 0)
    return F.cross_entropy(logits, targets)


@torch.no_grad()
def sinkhorn(scores, epsilon, iterations):
    # As Losses.Sinkhorn (SwAV's distributed_sinkhorn on one process).
    b, k = scores.shape
    q = ((scores - scores.max()) / epsilon).exp().t()
    q /= q.sum()
    for _ in range(iterations):
        q /= q.sum(1, keepdim=True)
        q /= k
        q /= q.sum(0, keepdim=True)
        q /= b
    return (q * b).t().contiguous()


def swapped_prediction(codes, scores, temperature):
    # As Losses.SwappedPrediction.
    log_p = [F.log_softmax(s / temperature, dim=1) for s in scores]
    total = 0.0
    for i, q in enumerate(codes):
        for v, lp in enumerate(log_p):
            if v != i:
                total = total - (q * lp).sum(1).mean()
    return total / (len(codes) * (len(scores) - 1))


class SimClr:
    """SimCLR: 2 views, projector features -> max(64, features) -> 64, NT-Xent at temperature 0.2."""

    def __init__(self, batch, size):
        torch.manual_seed(0)
        self.backbone = backbone()
        torch.manual_seed(1)
        self.projector = head(self.backbone)
        self.views = [(size, batch), (size, batch)]

    def parameters(self):
        return list(self.backbone.parameters()) + list(self.projector.parameters())

    def loss(self, views, step):
        z = self.projector(self.backbone(torch.cat(views, 0))).chunk(2)
        return nt_xent(z[0], z[1], 0.2)

    def before_update(self, step):
        pass

    def after_update(self):
        pass


class Swav:
    """SwAV multi-crop: 2 large + 4 small crops, projector features -> max(64, features) -> 64, 100 prototypes,
    Sinkhorn eps 0.05 x 3 iterations, temperature 0.1, prototypes frozen for the first steps."""

    def __init__(self, batch, size, small_crops=4, small_size=24, freeze=313):
        torch.manual_seed(0)
        self.backbone = backbone()
        torch.manual_seed(1)
        self.projector = head(self.backbone)
        self.prototypes = torch.nn.Linear(64, 100, bias=False)
        self.freeze = freeze
        self.views = [(size, batch)] * 2 + [(small_size, batch)] * small_crops
        self.after_update()

    def parameters(self):
        return list(self.backbone.parameters()) + list(self.projector.parameters()) + list(self.prototypes.parameters())

    def embed(self, crops):
        return F.normalize(self.projector(self.backbone(torch.cat(crops, 0))), dim=1)

    def loss(self, views, step):
        large = self.embed(views[:2])
        embeddings = torch.cat([large, self.embed(views[2:])], 0) if len(views) > 2 else large
        scores = self.prototypes(embeddings).chunk(len(views))
        codes = [sinkhorn(scores[i].detach(), 0.05, 3) for i in range(2)]
        return swapped_prediction(codes, scores, 0.1)

    def before_update(self, step):
        if step < self.freeze and self.prototypes.weight.grad is not None:
            self.prototypes.weight.grad.zero_()

    @torch.no_grad()
    def after_update(self):
        self.prototypes.weight.copy_(F.normalize(self.prototypes.weight, dim=1))


def busy_seconds():
    # CPU time all cores spent busy, from /proc/stat (user nice system irq softirq steal).
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    return (fields[0] + fields[1] + fields[2] + fields[5] + fields[6] + fields[7]) / os.sysconf("SC_CLK_TCK")


class LoadMeter:
    """Cores' worth of CPU other processes used while something was timed."""

    def __init__(self):
        self.busy = busy_seconds()
        self.own = sum(os.times()[:2])
        self.start = time.perf_counter()

    def other_cores(self):
        wall = time.perf_counter() - self.start
        own = sum(os.times()[:2]) - self.own
        return max(0.0, (busy_seconds() - self.busy - own) / wall)


THRESHOLD = 0.10


def wait_for_quiet():
    """Waits (up to 10 minutes) until other processes used at most THRESHOLD cores over two seconds."""
    deadline = time.perf_counter() + 600
    quiet = 0
    while quiet < 2 and time.perf_counter() < deadline:
        meter = LoadMeter()
        time.sleep(1)
        quiet = quiet + 1 if meter.other_cores() <= THRESHOLD else 0


def block(count, action):
    """Times count calls in a row once the machine is quiet; redoes the block (up to 10 attempts)
    when other processes used more than THRESHOLD cores meanwhile. Returns (times, other load)."""
    for attempt in range(1, 11):
        wait_for_quiet()
        meter = LoadMeter()
        times = [action() for _ in range(count)]
        other = meter.other_cores()
        if other <= THRESHOLD or attempt == 10:
            return times, other, attempt


def count_flop(method, views):
    """Training FLOPs of a step: 2 per multiply-accumulate of every Conv2d and Linear in the
    forward pass, times 3 for forward + backward; BN, ReLU, pooling and the loss not counted."""
    total = [0]

    def conv(module, inputs, output):
        total[0] += output.numel() * (module.in_channels // module.groups) * module.kernel_size[0] * module.kernel_size[1]

    def linear(module, inputs, output):
        total[0] += output.numel() * module.in_features

    handles = []
    modules = [method.backbone, method.projector] + ([method.prototypes] if hasattr(method, "prototypes") else [])
    for root in modules:
        for m in root.modules():
            if isinstance(m, torch.nn.Conv2d):
                handles.append(m.register_forward_hook(conv))
            elif isinstance(m, torch.nn.Linear):
                handles.append(m.register_forward_hook(linear))
    with torch.no_grad():
        method.loss(views, 0)
    for h in handles:
        h.remove()
    return 3 * 2 * total[0]


def spread(times):
    times = sorted(times)
    return {"median": statistics.median(times), "min": times[0], "max": times[-1], "n": len(times)}


def timed(action):
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def matmul_ceiling(n, repeat):
    a = torch.randn(n, n)
    b = torch.randn(n, n)
    c = torch.empty(n, n)
    torch.mm(a, b, out=c)
    times, _, _ = block(repeat, lambda: timed(lambda: torch.mm(a, b, out=c)))
    s = spread(times)
    return {"kind": "matmul", "path": "torch.mm", "n": n, "gflops": 2 * n ** 3 / s["median"] / 1e9,
            "gflops_min": 2 * n ** 3 / s["max"] / 1e9, "gflops_max": 2 * n ** 3 / s["min"] / 1e9}


def conv_ceiling(n, repeat):
    # The same GEMM as a 1x1 convolution, which runs in oneDNN rather than the BLAS.
    side = 32
    x = torch.randn(1, n, side, side)
    w = torch.randn(n, n, 1, 1)
    flops = 2 * n * n * side * side
    with torch.no_grad():
        F.conv2d(x, w)
        times, _, _ = block(repeat, lambda: timed(lambda: F.conv2d(x, w)))
    s = spread(times)
    return {"kind": "matmul", "path": "conv2d 1x1 (oneDNN)", "n": n, "gflops": flops / s["median"] / 1e9,
            "gflops_min": flops / s["max"] / 1e9, "gflops_max": flops / s["min"] / 1e9}


class Runner:
    """One method's model, optimiser and pre-made pixels; times whole steps or their phases."""

    def __init__(self, method_name, batch, size, freeze, foreach=False):
        self.name = method_name
        self.batch = batch
        self.method = SimClr(batch, size) if method_name == "simclr" else Swav(batch, size, freeze=freeze)
        self.method.backbone.train()
        self.optimizer = torch.optim.AdamW(self.method.parameters(), lr=1e-3, weight_decay=1e-4, foreach=foreach)
        generator = torch.Generator().manual_seed(2)
        self.pixels = [torch.rand(b, 3, r, r, generator=generator).numpy() for r, b in self.method.views]
        self.views = sum(b for _, b in self.method.views)
        self.flop = count_flop(self.method, [torch.tensor(p) for p in self.pixels])
        self.counter = 0
        self.phases = {}
        self.clock = 0.0

    def mark(self, name):
        now = time.perf_counter()
        self.phases.setdefault(name, []).append((now - self.clock) * 1e3)
        self.clock = time.perf_counter()

    def step(self):
        """One step as PretrainSession.Step; returns its seconds."""
        i = self.counter
        self.counter += 1
        start = time.perf_counter()
        views = [torch.tensor(p).sub_(0.5).div_(0.25) for p in self.pixels]
        loss = self.method.loss(views, i)
        self.optimizer.zero_grad(set_to_none=False)
        loss.backward()
        self.method.before_update(i)
        self.optimizer.step()
        self.method.after_update()
        value = loss.item()
        if value != value:
            raise RuntimeError(f"{self.name} loss became NaN")
        return time.perf_counter() - start

    def phase_step(self):
        """The same step with each phase timed into self.phases (names as FaceRep.Bench's train-phases)."""
        method = self.method
        self.clock = time.perf_counter()
        start = self.clock
        views = [torch.tensor(p).sub_(0.5).div_(0.25) for p in self.pixels]
        self.mark("input tensors")
        if self.name == "simclr":
            features = method.backbone(torch.cat(views, 0))
            self.mark("backbone forward (large views)")
            z = method.projector(features).chunk(2)
            loss = nt_xent(z[0], z[1], 0.2)
        else:
            large = method.backbone(torch.cat(views[:2], 0))
            self.mark("backbone forward (large views)")
            small = method.backbone(torch.cat(views[2:], 0))
            self.mark("backbone forward (small views)")
            embeddings = torch.cat([F.normalize(method.projector(large), dim=1), F.normalize(method.projector(small), dim=1)], 0)
            scores = method.prototypes(embeddings).chunk(len(views))
            codes = [sinkhorn(scores[i].detach(), 0.05, 3) for i in range(2)]
            loss = swapped_prediction(codes, scores, 0.1)
        self.mark("head + loss forward")
        self.optimizer.zero_grad(set_to_none=False)
        self.mark("zero grad")
        loss.backward()
        self.mark("backward")
        self.optimizer.step()
        self.mark("optimizer (AdamW)")
        if self.name == "swav":
            method.after_update()
            self.mark("normalise prototypes")
        loss.item()
        self.mark("loss.item")
        return time.perf_counter() - start

    def phase_medians(self):
        medians = {name: statistics.median(times) for name, times in self.phases.items()}
        count = min(len(times) for times in self.phases.values())
        medians["step"] = statistics.median(sum(times[i] for times in self.phases.values()) for i in range(count))
        return medians


def step_result(runner, times, other_load, redone):
    s = spread(times)
    return {"kind": "step", "method": runner.name, "batch": runner.batch, "views": runner.views, "flop": runner.flop,
            "other_load": other_load, "blocks_redone": redone,
            "ms_median": s["median"] * 1e3, "ms_min": s["min"] * 1e3, "ms_max": s["max"] * 1e3, "n": s["n"],
            "images_per_s": runner.batch / s["median"], "views_per_s": runner.views / s["median"]}


def run_blocks(runner, action, rounds, steps):
    times = []
    other_load = 0.0
    redone = 0
    for _ in range(rounds):
        block_times, other, attempts = block(steps, action)
        times += block_times
        other_load += other / rounds
        redone += attempts - 1
    return times, other_load, redone


def foreach_optimizer_ms(runner, steps):
    """The same AdamW update with the multi-tensor (foreach) implementation, on the last step's gradients."""
    multi = torch.optim.AdamW(runner.method.parameters(), lr=1e-3, weight_decay=1e-4, foreach=True)
    multi.step()
    times, _, _ = block(max(steps, 10), lambda: timed(multi.step))
    return statistics.median(times) * 1e3


def memory_formats(batch, size, count):
    """Backbone forward + backward in NCHW and channels-last, as FaceRep.Bench's train-phases; median ms."""
    torch.manual_seed(0)
    nchw = backbone().train()
    torch.manual_seed(0)
    last = backbone().to(memory_format=torch.channels_last).train()
    x = torch.randn(batch, 3, size, size)
    x_last = x.contiguous(memory_format=torch.channels_last)

    def run(model, inputs):
        return lambda: timed(lambda: model(inputs).sum().backward())

    candidates = [("NCHW", run(nchw, x)), ("channels-last input", run(nchw, x_last)),
                  ("channels-last input and conv weights", run(last, x_last))]
    for _, action in candidates:
        action()
    times = {name: [] for name, _ in candidates}
    per_block = 10
    for _ in range(max(1, count // per_block)):
        for name, action in candidates:
            block_times, _, _ = block(per_block, action)
            times[name] += block_times
    return {name: statistics.median(t) * 1e3 for name, t in times.items()}


def serve(args):
    """Answers commands on stdin, one JSON line each, so FaceRep.Bench can interleave PyTorch's
    blocks with its own: `step METHOD COUNT` times COUNT steps (a block, redone under load),
    `phases METHOD COUNT` times COUNT steps phase by phase, `formats x COUNT` times the backbone
    in NCHW and channels-last, `quit` ends. A method is built and
    warmed up the first time it is named."""
    runners = {}
    print(json.dumps({"kind": "ready"}), flush=True)
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == "quit":
            break
        command, name, count = words[0], words[1], int(words[2])
        if command == "formats":
            print(json.dumps({"kind": "formats", "formats": memory_formats(2 * args.batch, args.input, count)}), flush=True)
            continue
        if name not in runners:
            runner = Runner(name, args.batch, args.input, args.freeze, args.foreach)
            for _ in range(args.warmup):
                runner.step()
            runners[name] = runner
        runner = runners[name]
        if command == "step":
            faults, kernel = [], []

            def measured():
                before = resource.getrusage(resource.RUSAGE_SELF)
                seconds = runner.step()
                after = resource.getrusage(resource.RUSAGE_SELF)
                faults.append(after.ru_minflt - before.ru_minflt)
                kernel.append((after.ru_stime - before.ru_stime) * 1e3)
                return seconds

            times, other, attempts = block(count, measured)
            print(json.dumps({"kind": "block", "method": name, "views": runner.views, "flop": runner.flop,
                              "times_ms": [t * 1e3 for t in times], "faults": faults[-count:], "kernel_ms": kernel[-count:],
                              "other_load": other, "attempts": attempts}), flush=True)
        elif command == "phases":
            runner.phases = {}
            block(count, runner.phase_step)
            medians = runner.phase_medians()
            medians["optimizer (AdamW, foreach)"] = foreach_optimizer_ms(runner, count)
            print(json.dumps({"kind": "phases", "method": name, "phases": medians}), flush=True)
        else:
            print(json.dumps({"kind": "error", "message": f"unknown command '{command}'"}), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", default="simclr,swav")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--input", type=int, default=64)
    parser.add_argument("--width", type=float, default=1.0, help="ResNet-18 channel multiplier")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3, help="blocks of timed steps")
    parser.add_argument("--steps", type=int, default=5, help="timed steps per block")
    parser.add_argument("--matmul", type=int, default=1024, help="matmul ceiling size; 0 skips it")
    parser.add_argument("--freeze", type=int, default=313, help="SwAV: steps with frozen prototypes")
    parser.add_argument("--foreach", action="store_true", help="AdamW's multi-tensor (foreach) update")
    parser.add_argument("--max-load", type=float, default=0.10, help="other processes' cores above which a block is redone")
    parser.add_argument("--phases", action="store_true", help="time each phase of the step instead")
    parser.add_argument("--serve", action="store_true", help="take commands on stdin (see serve)")
    args = parser.parse_args()

    global THRESHOLD, WIDTH
    THRESHOLD = args.max_load
    WIDTH = args.width
    torch.set_num_threads(args.threads)
    print(json.dumps({"kind": "runtime", "torch": torch.__version__, "torchvision": torchvision.__version__,
                      "threads": torch.get_num_threads(), "mkldnn": torch.backends.mkldnn.is_available(),
                      "onednn_cap": os.environ.get("DNNL_MAX_CPU_ISA") or os.environ.get("ONEDNN_MAX_CPU_ISA") or "none"}), flush=True)
    if args.matmul > 0:
        print(json.dumps(matmul_ceiling(args.matmul, 5)), flush=True)
        print(json.dumps(conv_ceiling(args.matmul, 10)), flush=True)
    if args.serve:
        serve(args)
        return
    for name in args.methods.split(","):
        if name not in ("simclr", "swav"):
            sys.exit(f"unknown method '{name}'; use simclr or swav")
        runner = Runner(name, args.batch, args.input, args.freeze, args.foreach)
        for _ in range(args.warmup):
            runner.step()
        if args.phases:
            run_blocks(runner, runner.phase_step, args.rounds, args.steps)
            medians = runner.phase_medians()
            medians["optimizer (AdamW, foreach)"] = foreach_optimizer_ms(runner, args.steps)
            print(json.dumps({"kind": "phases", "method": name, "phases": medians}), flush=True)
        else:
            times, other, redone = run_blocks(runner, runner.step, args.rounds, args.steps)
            result = step_result(runner, times, other, redone)
            result["foreach"] = bool(args.foreach)
            print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
