#!/usr/bin/env python3
"""CRATE-α in PyTorch, the comparison model of `npm run bench:gpu` (scripts/bench-gpu.mjs).

The modules follow the official CRATE-α code (UCSC-VLAA/CRATE-alpha,
torch_inference/model/crate_alpha.py) and trainer/model/ here: the same parameter names and
shapes, so one safetensors file loads into both, and the same function (seed 000 eqs. (5), (9),
(11), (12)); test/bench-gpu.test.ts compares the logits with the TypeScript model's.

  python3 crate_alpha_torch.py bench --size base --image 224 --batch 128 --mode train --device cuda
  python3 crate_alpha_torch.py logits --weights w.safetensors --input x.safetensors --dim 8 ...

Each command prints one JSON line. Only torch and the standard library are needed.
"""
import argparse
import json
import resource
import struct
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn

# Table 4 of seed 000 (trainer/model/architecture.ts `presets`).
PRESETS = {
    'tiny': dict(depth=12, dim=192, heads=3, patch=16),
    'small': dict(depth=12, dim=576, heads=12, patch=16),
    'base': dict(depth=12, dim=768, heads=12, patch=16),
    'large': dict(depth=24, dim=1024, heads=16, patch=14),
    'huge': dict(depth=32, dim=1280, heads=16, patch=14),
}
ETA = 0.1
LAMBDA = 0.1
BLOCK_LN_EPS = 1e-6  # CRATE-α's PreNorm; the head's LayerNorm keeps PyTorch's 1e-5


class PreNorm(nn.Module):
    def __init__(self, dim, fn):
        super().__init__()
        self.norm = nn.LayerNorm(dim, eps=BLOCK_LN_EPS)
        self.fn = fn

    def forward(self, x):
        return self.fn(self.norm(x))


class OvercompleteISTABlock(nn.Module):
    """ODL: two proximal steps of the non-negative LASSO from A₀ = 0, decoded with D̂ (eqs. (9), (11))."""

    def __init__(self, dim, overcomplete=4):
        super().__init__()
        self.D = nn.Parameter(nn.init.kaiming_uniform_(torch.empty(dim, overcomplete * dim)))
        self.D1 = nn.Parameter(nn.init.kaiming_uniform_(torch.empty(dim, overcomplete * dim)))

    def forward(self, y):
        a1 = F.relu(ETA * (y @ self.D) - ETA * LAMBDA)
        residual = a1 @ self.D.t() - y
        a2 = F.relu(a1 - ETA * (residual @ self.D) - ETA * LAMBDA)
        return a2 @ self.D1.t()


class Attention(nn.Module):
    """MSSA (eq. (5)): each head attends with its subspace projection as query, key and value."""

    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.scale = (dim // heads) ** -0.5
        self.qkv = nn.Linear(dim, dim, bias=False)
        self.to_out = nn.Sequential(nn.Linear(dim, dim, bias=False))

    def forward(self, z):
        b, n, d = z.shape
        w = self.qkv(z).reshape(b, n, self.heads, d // self.heads).transpose(1, 2)
        attention = torch.softmax((w @ w.transpose(-1, -2)) * self.scale, dim=-1)
        out = (attention @ w).transpose(1, 2).reshape(b, n, d)
        return self.to_out(out)


class Transformer(nn.Module):
    def __init__(self, dim, depth, heads):
        super().__init__()
        self.layers = nn.ModuleList(
            nn.ModuleList([PreNorm(dim, Attention(dim, heads)), PreNorm(dim, OvercompleteISTABlock(dim))]) for _ in range(depth)
        )

    def forward(self, x):
        for attn, odl in self.layers:
            x = attn(x) + x  # eq. (12): residual around MSSA …
            x = odl(x) + x  # … and around ODL
        return x


class CrateAlpha(nn.Module):
    def __init__(self, image, patch, classes, dim, depth, heads, channels=3):
        super().__init__()
        tokens = (image // patch) ** 2 + 1
        self.conv1 = nn.Conv2d(channels, dim, kernel_size=patch, stride=patch, bias=True)
        self.pos_embedding = nn.Parameter(0.02 * torch.randn(1, tokens, dim))
        self.cls_token = nn.Parameter(0.02 * torch.randn(1, 1, dim))
        self.transformer = Transformer(dim, depth, heads)
        self.mlp_head = nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, classes))

    def forward(self, images):
        x = self.conv1(images).flatten(2).transpose(1, 2)  # [B, N, d], patches in row-major order
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1) + self.pos_embedding
        x = self.transformer(x)
        return self.mlp_head(x[:, 0])


def read_safetensors(path):
    """name → float32 tensor; the format is an 8-byte little-endian header length, a JSON header, the data."""
    with open(path, 'rb') as f:
        data = f.read()
    (header_len,) = struct.unpack('<Q', data[:8])
    header = json.loads(data[8 : 8 + header_len])
    body = bytearray(data[8 + header_len :])
    out = {}
    for name, info in header.items():
        if name == '__metadata__':
            continue
        if info['dtype'] != 'F32':
            raise ValueError(f'{path}: tensor {name} is {info["dtype"]}, expected F32')
        start, end = info['data_offsets']
        out[name] = torch.frombuffer(body[start:end], dtype=torch.float32).reshape(info['shape']).clone()
    return out


def shape_args(p):
    p.add_argument('--size', choices=sorted(PRESETS))
    for k in ('dim', 'depth', 'heads', 'patch'):
        p.add_argument(f'--{k}', type=int)
    p.add_argument('--image', type=int, default=224)
    p.add_argument('--channels', type=int, default=3)
    p.add_argument('--classes', type=int, default=1000)


def build(args):
    shape = dict(PRESETS[args.size]) if args.size else {}
    for k in ('dim', 'depth', 'heads', 'patch'):
        if getattr(args, k) is not None:
            shape[k] = getattr(args, k)
    missing = [k for k in ('dim', 'depth', 'heads', 'patch') if k not in shape]
    if missing:
        sys.exit(f'crate_alpha_torch.py: --{missing[0]} is required without --size')
    return CrateAlpha(args.image, shape['patch'], args.classes, shape['dim'], shape['depth'], shape['heads'], args.channels), shape


def logits(args):
    model, _ = build(args)
    state = read_safetensors(args.weights)
    model.load_state_dict(state, strict=True)
    images = read_safetensors(args.input)['images']
    with torch.no_grad():
        out = model(images)
    print(json.dumps({'logits': out.tolist()}))


def bench(args):
    # fp32 eager, as the targets say: no TF32 on the matrix units.
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    device = torch.device(args.device)
    torch.manual_seed(0)
    model, shape = build(args)
    model = model.to(device)
    images = torch.randn(args.batch, args.channels, args.image, args.image, device=device)
    labels = torch.randint(0, args.classes, (args.batch,), device=device)
    # The step crate-lab's trainer takes by default (its bench does the same): AdamW with decoupled
    # weight decay 0.05 on the weight matrices (not norms, biases, embeddings), global gradient
    # norm clipped to 1.
    matrices = [p for p in model.parameters() if p.dim() >= 2]
    others = [p for p in model.parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW([{'params': matrices, 'weight_decay': 0.05}, {'params': others, 'weight_decay': 0.0}], lr=1e-4)

    def train_step():
        optimizer.zero_grad(set_to_none=True)
        F.cross_entropy(model(images), labels).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()

    def infer_step():
        with torch.inference_mode():
            model(images)

    sync = torch.cuda.synchronize if device.type == 'cuda' else (lambda: None)

    def images_per_second(step, training):
        model.train(training)
        for _ in range(args.warmup):
            step()
        sync()
        t0 = time.perf_counter()
        for _ in range(args.steps):
            step()
        sync()
        return args.batch * args.steps / (time.perf_counter() - t0)

    result = {'batch': args.batch, 'steps': args.steps, 'threads': torch.get_num_threads()}
    if args.mode in ('train', 'both'):
        result['trainImagesPerSecond'] = images_per_second(train_step, True)
    if args.mode in ('infer', 'both'):
        result['inferImagesPerSecond'] = images_per_second(infer_step, False)
    result.update({
        'device': torch.cuda.get_device_name(device) if device.type == 'cuda' else 'cpu',
        'torch': torch.__version__, 'shape': {**shape, 'image': args.image, 'classes': args.classes},
        'peakMemoryMiB': torch.cuda.max_memory_allocated(device) / 2**20 if device.type == 'cuda' else None,
        'peakRssMiB': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,  # Linux: KiB
    })
    print(json.dumps(result))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = parser.add_subparsers(dest='command', required=True)
    b = sub.add_parser('bench', help='images/s of training or inference on random data')
    shape_args(b)
    b.add_argument('--batch', type=int, required=True)
    b.add_argument('--mode', choices=['train', 'infer', 'both'], default='both')
    b.add_argument('--steps', type=int, default=10)
    b.add_argument('--warmup', type=int, default=3)
    b.add_argument('--device', default='cuda')
    lg = sub.add_parser('logits', help='logits of the images in --input under the weights in --weights')
    shape_args(lg)
    lg.add_argument('--weights', required=True)
    lg.add_argument('--input', required=True, help='a safetensors file with one tensor "images" [B, C, H, W]')
    args = parser.parse_args()
    (bench if args.command == 'bench' else logits)(args)


if __name__ == '__main__':
    main()
