"""The PyTorch peer's models: the app's dense and conv AE / VAE / CVAE and the VAE-GAN's discriminator (see torch_peer.py).

Both take x (dense: [N, D]; conv: [N, C, H, W]), a one-hot label c (CVAE, else None) and the
reparameterisation noise eps, and return (logits shaped like x, mu, logvar or None).
"""
import torch
from torch import nn
import torch.nn.functional as F

# Per image side: filters of the stride-2 stages and the encoder's dense layers (models/conv.ts).
CONV_DEFAULTS = {28: ([32, 64], [16]), 32: ([32, 64, 128], [256]), 64: ([32, 64, 128, 256], [256])}


def image_shape(row_length, given=None):
    """[H, W, C] of the flat rows: `given` ("H,W,C"), else the supported shape with that length."""
    if given:
        h, w, c = (int(v) for v in given.split(","))
        if h * w * c != row_length:
            raise SystemExit(f"--shape {given} has {h * w * c} values per image, the data has {row_length}")
        return h, w, c
    for side in (28, 32, 64):
        for c in (1, 3):
            if side * side * c == row_length:
                return side, side, c
    raise SystemExit(f"rows of {row_length} values are not a 28/32/64-square image with 1 or 3 channels: give --shape")


class DenseNet(nn.Module):
    """x [, c] -> hidden... -> heads; z [, c] -> hidden reversed... -> D logits (relu)."""

    def __init__(self, D, hidden, latent, cond_dim, variational):
        super().__init__()
        self.variational = variational
        sizes = [D + cond_dim] + hidden
        # Creation order = initialisation order under one seed (kept from the one-layer peer).
        self.enc = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes, sizes[1:]))
        self.mu = nn.Linear(hidden[-1], latent)
        self.logvar = nn.Linear(hidden[-1], latent) if variational else None
        back = [latent + cond_dim] + hidden[::-1]
        self.dec = nn.ModuleList(nn.Linear(a, b) for a, b in zip(back, back[1:]))
        self.dec_out = nn.Linear(hidden[0], D)

    def forward(self, x, c, eps):
        h = torch.cat([x, c], 1) if c is not None else x
        for layer in self.enc:
            h = F.relu(layer(h))
        return self._decode_from(h, c, eps)

    def _decode_from(self, h, c, eps):
        mu = self.mu(h)
        logvar = self.logvar(h) if self.variational else None
        z = mu + torch.exp(0.5 * logvar) * eps if self.variational else mu
        return self.decode(z, c), mu, logvar

    def encode(self, x, c=None):
        """x [N, D] (, one-hot c) -> (mu, logvar) [N, latent] (variational nets)."""
        h = torch.cat([x, c], 1) if c is not None else x
        for layer in self.enc:
            h = F.relu(layer(h))
        return self.mu(h), self.logvar(h)

    def decode(self, z, c=None):
        """z [N, latent] (, one-hot c) -> logits [N, D]."""
        d = torch.cat([z, c], 1) if c is not None else z
        for layer in self.dec:
            d = F.relu(layer(d))
        return self.dec_out(d)

    def encoder_parameters(self):
        return [p for m in (self.enc, self.mu, self.logvar) if m is not None for p in m.parameters()]

    def decoder_parameters(self):
        return [p for m in (self.dec, self.dec_out) for p in m.parameters()]


class ConvNet(nn.Module):
    """The app's conv model (models/conv.ts) on NCHW images."""

    def __init__(self, shape, filters, hidden, latent, cond_dim, variational):
        super().__init__()
        H, _, C = shape
        keras = H == 28
        k = 3 if keras else 4
        self.variational = variational
        enc, cin, side = [], C, H
        for f in filters:
            enc += [nn.Conv2d(cin, f, k, stride=2, padding=1), nn.ReLU()]
            cin, side = f, side // 2
        self.enc = nn.Sequential(*enc)
        flat = side * side * cin
        self.bottleneck = (cin, side, side)
        sizes = [flat + cond_dim] + hidden
        self.enc_dense = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes, sizes[1:]))
        self.mu = nn.Linear(hidden[-1], latent)
        self.logvar = nn.Linear(hidden[-1], latent) if variational else None
        self.dec_dense = nn.Linear(latent + cond_dim, flat)
        up = filters[::-1] if keras else filters[::-1][1:]
        dec, c = [], cin
        for f in up:
            dec += [nn.ConvTranspose2d(c, f, k, stride=2, padding=1, output_padding=1 if keras else 0), nn.ReLU()]
            c = f
        dec.append(nn.ConvTranspose2d(c, C, 3, stride=1, padding=1) if keras else nn.ConvTranspose2d(c, C, 4, stride=2, padding=1))
        self.dec = nn.Sequential(*dec)

    def forward(self, x, c, eps):
        h = self.enc(x).flatten(1)
        if c is not None:
            h = torch.cat([h, c], 1)
        for layer in self.enc_dense:
            h = F.relu(layer(h))
        mu = self.mu(h)
        logvar = self.logvar(h) if self.variational else None
        z = mu + torch.exp(0.5 * logvar) * eps if self.variational else mu
        return self.decode(z, c), mu, logvar

    def encode(self, x, c=None):
        """x [N, C, H, W] (, one-hot c) -> (mu, logvar) [N, latent] (variational nets)."""
        h = self.enc(x).flatten(1)
        if c is not None:
            h = torch.cat([h, c], 1)
        for layer in self.enc_dense:
            h = F.relu(layer(h))
        return self.mu(h), self.logvar(h)

    def decode(self, z, c=None):
        """z [N, latent] (, one-hot c) -> logits [N, C, H, W]."""
        d = torch.cat([z, c], 1) if c is not None else z
        d = F.relu(self.dec_dense(d)).view(-1, *self.bottleneck)
        return self.dec(d)

    def encoder_parameters(self):
        return [p for m in (self.enc, self.enc_dense, self.mu, self.logvar) if m is not None for p in m.parameters()]

    def decoder_parameters(self):
        return [p for m in (self.dec_dense, self.dec) for p in m.parameters()]


DIS_LEAKY_ALPHA = 0.2  # models/discriminator.ts's DIS_LEAKY_ALPHA


class Discriminator(nn.Module):
    """The VAE-GAN's discriminator (src-main/engine/models/discriminator.ts): the encoder's conv
    stages (conv) or dense layers (dense), each followed by leaky ReLU 0.2, then Linear 1 (the
    logit). forward(x) -> (Dis_l: the last hidden stage's output, flattened [N, F]; logit [N])."""

    def __init__(self, D, hidden=None, shape=None, filters=None):
        super().__init__()
        if shape is not None:
            H, _, C = shape
            k = 3 if H == 28 else 4
            body, cin, side = [], C, H
            for f in filters:
                body += [nn.Conv2d(cin, f, k, stride=2, padding=1), nn.LeakyReLU(DIS_LEAKY_ALPHA)]
                cin, side = f, side // 2
            flat = side * side * cin
        else:
            sizes = [D] + hidden
            body = [m for a, b in zip(sizes, sizes[1:]) for m in (nn.Linear(a, b), nn.LeakyReLU(DIS_LEAKY_ALPHA))]
            flat = hidden[-1]
        self.body = nn.Sequential(*body)
        self.logit = nn.Linear(flat, 1)

    def forward(self, x):
        f = self.body(x).flatten(1)
        return f, self.logit(f).squeeze(1)


def build_discriminator(D, described):
    """The discriminator of the model `build` described."""
    if "filters" in described:
        return Discriminator(D, shape=described["shape"], filters=described["filters"])
    return Discriminator(D, hidden=described["hidden"])


def build(args, D, cond_dim, variational):
    """(net, description dict) for the parsed arguments and rows of D values."""
    hidden = [int(v) for v in args.hidden.split(",")] if args.hidden else None
    if args.arch == "dense":
        hidden = hidden or [256]
        return DenseNet(D, hidden, args.latent, cond_dim, variational), {"hidden": hidden}
    shape = image_shape(D, args.shape)
    default_filters, default_hidden = CONV_DEFAULTS[shape[0]]
    filters = [int(v) for v in args.filters.split(",")] if args.filters else default_filters
    if shape[0] % (2 ** len(filters)) != 0:
        raise SystemExit(f"--filters {args.filters}: a {shape[0]}x{shape[0]} image does not halve {len(filters)} times")
    hidden = hidden or default_hidden
    net = ConvNet(shape, filters, hidden, args.latent, cond_dim, variational)
    return net, {"hidden": hidden, "shape": list(shape), "filters": filters}
