"""The convolution grid of FaceRep.Bench's `numerics` mode in PyTorch: float32 forward output,
input gradient and weight gradient against float64, for channels 3-68, kernels 1, 3, 7, strides
1, 2, 8 and 16 pixels, batch 16; prints how many shapes had any result off by more than 1e-4 of
its largest value. Run with Debian's python3-torch: /usr/bin/python3 bench/python/conv_check.py
"""
import torch

torch.set_num_threads(2)
torch.manual_seed(1)
wrong = total = 0
kinds = set()
channels = (3, 4, 8, 12, 16, 24, 32, 48, 64, 68)
for ic in channels:
    for oc in channels:
        for k in (1, 3, 7):
            for stride in (1, 2):
                for size in (8, 16):
                    if k == 7 and size < 16:
                        continue
                    x = torch.randn(16, ic, size, size, requires_grad=True)
                    w = torch.empty(oc, ic, k, k)
                    torch.nn.init.kaiming_uniform_(w, a=5 ** 0.5)
                    w.requires_grad_()
                    y = torch.nn.functional.conv2d(x, w, stride=stride, padding=k // 2)
                    upstream = torch.randn_like(y)
                    (y * upstream).sum().backward()
                    x64 = x.detach().double().requires_grad_()
                    w64 = w.detach().double().requires_grad_()
                    y64 = torch.nn.functional.conv2d(x64, w64, stride=stride, padding=k // 2)
                    (y64 * upstream.double()).sum().backward()
                    total += 1
                    off = [name for name, a, b in (("output", y, y64), ("input-grad", x.grad, x64.grad), ("weight-grad", w.grad, w64.grad))
                           if not ((a.double() - b).abs().max() / b.abs().max()).item() <= 1e-4]
                    if off:
                        wrong += 1
                        kinds.update(off)
print(f"PyTorch {torch.__version__} ({torch.backends.mkldnn.is_available() and 'oneDNN' or 'no oneDNN'}): "
      f"wrong {wrong}/{total} {sorted(kinds) if kinds else ''}")
