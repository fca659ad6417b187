#!/usr/bin/python3
"""PyTorch reference ("peer") for Latent Lab's AE / VAE / CVAE / VAE-GAN, dense or convolutional.

Run with Debian's python3-torch under /usr/bin/python3 (apt: python3-torch python3-numpy
libopenblas0-pthread). Trains the same architecture as the app:

--arch dense (default):
  encoder: x [, onehot(y)] -> Dense(hidden, relu) -> AE: Dense(latent)
                                                   VAE/CVAE: z_mean, z_log_var = Dense(latent) x2
  decoder: z [, onehot(y)] -> Dense(hidden, relu) -> Dense(D, sigmoid)
--arch conv (src-main/engine/models/conv.ts; images H x W x C, H = W in 28/32/64, C in 1/3;
  the .npz rows are flat H*W*C in channels-last order, as the app's data):
  28 (the Keras VAE example, 3x3 kernels):
    encoder: Conv2d 32, 64 (3x3, stride 2, relu) -> flatten [, onehot(y)] -> Dense 16 relu -> heads
    decoder: z [, onehot(y)] -> Dense 7*7*64 relu -> ConvTranspose2d 64, 32 (3x3, stride 2, relu)
             -> ConvTranspose2d C (3x3, stride 1; logits)
  32 / 64 (4x4 kernels): Conv2d 32, 64, 128[, 256] (stride 2, relu) down to 4x4 -> flatten
    [, onehot(y)] -> Dense 256 relu -> heads; decoder Dense 4*4*F relu -> ConvTranspose2d
    (4x4, stride 2, relu) with the filters mirrored, the last to C channels (logits)
  --filters and --hidden override the widths. Padding: TF's 'same' puts an odd padding pixel at
  the bottom/right, PyTorch's padding=1 on both sides; the parameter count and the FLOPs are the
  same ("params" in the output equals the app's countParams).
--model vaegan (Larsen et al. 2016; src-main/engine/models/vaegan.ts, the step in peer_vaegan.py):
  encoder and decoder as the VAE's, plus the discriminator (models/discriminator.ts): the
  encoder's conv stages / dense layers with leaky ReLU 0.2 -> Linear 1 (logit); its last hidden
  stage is Dis_l. Three Adam optimisers (encoder: beta*KL + llike; decoder: gamma*llike + gen;
  discriminator: disc at lr * --disc-lr-scale), llike = feature + --pixel-weight * pixel BCE;
  --gamma, --pixel-weight, --disc-lr-scale default to the app's VAEGAN_DEFAULTS (0.3, 1, 0.5).
  The output adds "gan": the last epoch's mean disc / gen / feature terms; test.* is the pixel
  BCE + KL, as the VAE's; "params" counts the discriminator too (as the app's countParams).
z = z_mean + exp(0.5 z_log_var) * eps            (VAE/CVAE/VAE-GAN)
loss per sample = BCE summed over pixels + beta * KL   (AE: BCE only), mean over the batch
Adam(lr), shuffled minibatches every epoch (last partial batch kept)

Conv examples (the bench's settings: batch 128):
  /usr/bin/python3 torch_peer.py --data mnist.npz --arch conv --model vae --latent 2 --batch 128
  /usr/bin/python3 torch_peer.py --data rgb32.npz --arch conv --shape 32,32,3 --latent 32 --batch 128

Prints ONE JSON line:
  {"model","threads","openblasThreads","blas","samplesPerSecond","epochSamplesPerSecond",
   "test":{"elbo","recon","kl"},"epochs",...}
samplesPerSecond = median over epochs after the first (warm-up) of train samples / epoch wall
time (samplesPerCpuSecond: the same per second of process CPU time) (forward+backward+Adam only; no evaluation inside the timed part). With --measure-steps K
only the first K minibatches of each epoch are timed/used (quick speed runs).

test.elbo = mean per-sample negative ELBO in nats over the test split: recon (BCE summed over
pixels, decoder applied to ONE reparameterised sample z ~ q(z|x), sampling seed fixed) + KL
(analytic). For the AE, recon only (deterministic) and kl = 0.

Threads: torch.set_num_threads(--threads). OpenBLAS threads come from OPENBLAS_NUM_THREADS in
the environment (read at library load): set it on the command line, e.g.
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=2 /usr/bin/python3 torch_peer.py ...
"""
import argparse
import json
import os
import statistics
import sys
import time


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", required=True, help=".npz with x_train, y_train, x_test, y_test")
    p.add_argument("--model", choices=["ae", "vae", "cvae", "vaegan"], default="vae")
    p.add_argument("--latent", type=int, default=3)
    p.add_argument("--arch", choices=["dense", "conv"], default="dense")
    p.add_argument("--hidden", type=str, default=None,
                   help="dense layer sizes, comma-separated (dense: 256; conv: 16 for 28x28, else 256)")
    p.add_argument("--shape", type=str, default=None,
                   help="conv: H,W,C of the images (default: read off the row length: 784 -> 28,28,1 ...)")
    p.add_argument("--filters", type=str, default=None,
                   help="conv: filters per stride-2 stage (default 32,64 / 32,64,128 / 32,64,128,256 for 28 / 32 / 64)")
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--beta", type=float, default=1.0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--gamma", type=float, default=0.3, help="vaegan: the decoder's weight of the reconstruction term")
    p.add_argument("--pixel-weight", type=float, default=1.0, help="vaegan: pixel BCE mixed into the reconstruction term")
    p.add_argument("--disc-lr-scale", type=float, default=0.5, help="vaegan: the discriminator's learning rate / --lr")
    p.add_argument("--threads", type=int, default=1, help="torch.set_num_threads")
    p.add_argument("--measure-steps", type=int, default=0, help="if > 0: only K minibatches per epoch (speed runs)")
    p.add_argument("--no-eval", action="store_true", help="skip the test-set evaluation")
    p.add_argument("--seconds", type=float, default=0,
                   help="if > 0: train until this many wall seconds have passed (checked every step; --epochs is then a cap)")
    p.add_argument("--dump", type=str, default=None,
                   help="folder: write generated.f32 (as many prior samples z ~ N(0, I), seed 4242, as test images) and "
                        "recon.f32 (the test images decoded from their posterior means), sigmoid outputs, flat H*W*C rows")
    return p.parse_args(argv)


def blas_info(torch, np):
    """Which BLAS torch/numpy link: the Debian alternatives link of libblas.so.3, plus torch's config."""
    info = {}
    for link in ("/etc/alternatives/libblas.so.3-x86_64-linux-gnu", "/etc/alternatives/libblas.so.3-aarch64-linux-gnu"):
        if os.path.exists(link):
            info["libblas.so.3"] = os.path.realpath(link)
    # Libraries actually mapped into this process.
    try:
        with open("/proc/self/maps") as f:
            libs = sorted({line.split()[-1] for line in f if "blas" in line.lower() and ".so" in line})
        info["loaded"] = [l for l in libs if l.startswith("/")]
    except OSError:
        pass
    try:
        cfg = torch.__config__.show()
        import re
        info["torchBlas"] = sorted(set(re.findall(r"\b(BLAS_INFO=[^,\s]+|LAPACK_INFO=[^,\s]+|USE_MKLDNN=[^,\s]+|USE_OPENMP=[^,\s]+)", cfg)))
    except Exception:  # noqa: BLE001
        pass
    real = info.get("libblas.so.3", "")
    if "openblas-pthread" in real:
        info["name"] = "openblas-pthread"
    elif "openblas-openmp" in real:
        info["name"] = "openblas-openmp"
    elif "openblas" in real:
        info["name"] = "openblas"
    elif "blis" in real:
        info["name"] = "blis"
    elif "atlas" in real:
        info["name"] = "atlas"
    elif real:
        info["name"] = "reference"
    else:
        info["name"] = "unknown"
    return info


def dump(args, net, x_test, variational, conditional, y_test, eye):
    """--dump: prior samples and test reconstructions as raw little-endian float32, flat H*W*C rows."""
    import numpy as np
    import torch
    net.eval()
    m = x_test.shape[0]
    with torch.no_grad():
        c = eye[y_test] if conditional else None
        z = torch.randn(m, args.latent, generator=torch.Generator().manual_seed(4242))
        gen_imgs = torch.sigmoid(net.decode(z, c))
        mu = net.encode(x_test, c)[0] if variational else None
        rec = torch.sigmoid(net.decode(mu, c))
    os.makedirs(args.dump, exist_ok=True)
    for name, t in (("generated", gen_imgs), ("recon", rec)):
        a = t.permute(0, 2, 3, 1) if t.dim() == 4 else t  # NCHW -> NHWC, as the app's rows
        np.ascontiguousarray(a.reshape(m, -1).numpy(), dtype="<f4").tofile(os.path.join(args.dump, name + ".f32"))


def main(argv=None):
    args = parse_args(argv)
    if args.dump and args.model == "ae":
        raise SystemExit("--dump needs a variational model (vae, cvae, vaegan)")
    import numpy as np
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)

    d = np.load(args.data)
    x_train = torch.from_numpy(np.ascontiguousarray(d["x_train"], dtype=np.float32))
    x_test = torch.from_numpy(np.ascontiguousarray(d["x_test"], dtype=np.float32))
    y_train = torch.from_numpy(np.asarray(d["y_train"]).astype(np.int64))
    y_test = torch.from_numpy(np.asarray(d["y_test"]).astype(np.int64))
    n_classes = 10
    conditional = args.model == "cvae"
    variational = args.model in ("vae", "cvae", "vaegan")
    gan = args.model == "vaegan"
    D = x_train.shape[1]
    cond_dim = n_classes if conditional else 0

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from peer_models import build, build_discriminator

    net, described = build(args, D, cond_dim, variational)
    dis = build_discriminator(D, described) if gan else None
    if args.arch == "conv":
        # Flat HWC rows -> NCHW images, once (the loss sums over every pixel either way).
        H, W, C = described["shape"]
        x_train = x_train.view(-1, H, W, C).permute(0, 3, 1, 2).contiguous()
        x_test = x_test.view(-1, H, W, C).permute(0, 3, 1, 2).contiguous()
    if gan:
        from peer_vaegan import VaeGanStep
        gan_step = VaeGanStep(net, dis, args.lr, args.beta, args.gamma, args.pixel_weight, args.disc_lr_scale)
    else:
        opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    gan_terms = None
    eye = torch.eye(n_classes)

    def losses(x, y, eps):
        c = eye[y] if conditional else None
        logits, mu, logvar = net(x, c, eps)
        # BCE(sigmoid(logits), x) summed over pixels: the numerically stable form of the same loss
        recon = F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1)
        if variational:
            kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), 1)
        else:
            kl = torch.zeros_like(recon)
        return recon, kl

    n = x_train.shape[0]
    gen = torch.Generator().manual_seed(args.seed)
    t_start = time.perf_counter()
    out_of_time = False
    samples_seen = 0
    epoch_rates = []
    epoch_cpu_rates = []
    for epoch in range(args.epochs):
        net.train()
        sums = {}
        perm = torch.randperm(n, generator=gen)
        n_batches = (n + args.batch - 1) // args.batch
        if args.measure_steps > 0:
            n_batches = min(n_batches, args.measure_steps)
        seen = 0
        t0 = time.perf_counter()
        c0 = time.process_time()
        for i in range(n_batches):
            if args.seconds > 0 and time.perf_counter() - t_start >= args.seconds:
                out_of_time = True
                break
            idx = perm[i * args.batch:(i + 1) * args.batch]
            x = x_train[idx]
            y = y_train[idx]
            eps = torch.randn(x.shape[0], args.latent, generator=gen) if variational else None
            if gan:
                zp = torch.randn(x.shape[0], args.latent, generator=gen)
                for k, v in gan_step.step(x, eps, zp).items():
                    sums[k] = sums.get(k, 0.0) + v * x.shape[0]
                seen += x.shape[0]
                continue
            recon, kl = losses(x, y, eps)
            loss = (recon + args.beta * kl).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            seen += x.shape[0]
        if seen:
            epoch_rates.append(seen / (time.perf_counter() - t0))
            epoch_cpu_rates.append(seen / max(time.process_time() - c0, 1e-9))
        samples_seen += seen
        if gan and seen:
            gan_terms = {k: round(v / seen, 4) for k, v in sums.items()}
        if out_of_time:
            break
    train_seconds = time.perf_counter() - t_start

    test = None
    if not args.no_eval:
        net.eval()
        eval_gen = torch.Generator().manual_seed(12345)  # fixed sampling seed for the test ELBO
        rs, ks = [], []
        with torch.no_grad():
            for i in range(0, x_test.shape[0], 1000):
                x = x_test[i:i + 1000]
                y = y_test[i:i + 1000]
                eps = torch.randn(x.shape[0], args.latent, generator=eval_gen) if variational else None
                r, k = losses(x, y, eps)
                rs.append(r)
                ks.append(k)
        r = torch.cat(rs).double().mean().item()
        k = torch.cat(ks).double().mean().item()
        test = {"elbo": r + args.beta * k, "recon": r, "kl": k}

    if args.dump:
        dump(args, net, x_test, variational, conditional, y_test, eye)

    timed = epoch_rates[1:] if len(epoch_rates) > 1 else epoch_rates
    blas = blas_info(torch, np)
    out = {
        "model": args.model,
        "threads": torch.get_num_threads(),
        "openblasThreads": os.environ.get("OPENBLAS_NUM_THREADS"),
        "blas": blas.get("name"),
        "blasDetail": blas,
        "samplesPerSecond": round(statistics.median(timed), 1),
        "epochSamplesPerSecond": [round(r, 1) for r in epoch_rates],
        # per second of process CPU time (all threads): equals the wall rate on an idle machine
        # with 1 busy thread; robust to other jobs competing for the cores.
        "samplesPerCpuSecond": round(statistics.median(epoch_cpu_rates[1:] if len(epoch_cpu_rates) > 1 else epoch_cpu_rates), 1),
        "test": test,
        **({"gan": gan_terms, "gamma": args.gamma, "pixelWeight": args.pixel_weight, "discLrScale": args.disc_lr_scale} if gan else {}),
        "epochs": args.epochs,
        "epochsRun": len(epoch_rates),
        "samplesSeen": samples_seen,
        "trainSeconds": round(train_seconds, 2),
        "latent": args.latent,
        "arch": args.arch,
        **described,
        "params": sum(p.numel() for m in (net, dis) if m is not None for p in m.parameters() if p.requires_grad),
        "batch": args.batch,
        "beta": args.beta,
        "nTrain": int(n),
        "nTest": int(x_test.shape[0]),
        "torch": torch.__version__,
    }
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
