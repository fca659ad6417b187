"""The PyTorch peer's VAE-GAN step (Larsen et al. 2016), the same losses and optimisers as the
app's (src-main/engine/models/vaegan.ts). Per sample, in nats, with x~ = Dec(z), z ~ q(z|x)
reparameterised, x_p = Dec(z_p), z_p ~ N(0, I), D the discriminator's logit, Dis_l its features:

  prior   = KL(q(z|x) || N(0, I))
  feature = 1/2 * sum (Dis_l(x~) - Dis_l(x))^2
  pixel   = BCE(sigmoid(logits), x) summed over pixels (Bernoulli, as the VAE's)
  llike   = feature + pixelWeight * pixel
  disc    = -log s(D(x)) - log(1 - s(D(x~))) - log(1 - s(D(x_p)))
  gen     = -log s(D(x~)) - log s(D(x_p))            (non-saturating, as the app's)

Batch means; three Adam optimisers, each loss differentiated with respect to its own network only,
all from the same weights and the same noise (Algorithm 1):
  encoder        beta * prior + llike
  decoder        gamma * llike + gen
  discriminator  disc                (learning rate * discLrScale)
The decoder's and the discriminator's Adam use beta1 = 0.5 (GAN_ADAM_BETA1), the encoder's 0.9.

One forward pass, then three backward passes through it (torch.autograd.grad per network): the
natural PyTorch form of the step (the app's tfjs step runs a forward/backward per network).
"""
import torch
import torch.nn.functional as F

GAN_ADAM_BETA1 = 0.5  # src-shared/vaegan.ts GAN_ADAM_BETA1


class VaeGanStep:
    """The three optimisers over `net` (a peer_models DenseNet/ConvNet) and `dis` (Discriminator)."""

    def __init__(self, net, dis, lr, beta, gamma, pixel_weight, disc_lr_scale):
        self.net, self.dis = net, dis
        self.beta, self.gamma, self.pixel_weight = beta, gamma, pixel_weight
        self.groups = [net.encoder_parameters(), net.decoder_parameters(), list(dis.parameters())]
        # The decoder's and discriminator's Adam at beta1 = 0.5 (the app's GAN_ADAM_BETA1, after DCGAN).
        self.opts = [
            torch.optim.Adam(self.groups[0], lr=lr),
            torch.optim.Adam(self.groups[1], lr=lr, betas=(GAN_ADAM_BETA1, 0.999)),
            torch.optim.Adam(self.groups[2], lr=lr * disc_lr_scale, betas=(GAN_ADAM_BETA1, 0.999)),
        ]

    def losses(self, x, eps, zp):
        """The batch means of every term (see the module's docstring), as a dict of scalar tensors."""
        mu, logvar = self.net.encode(x)
        z = mu + torch.exp(0.5 * logvar) * eps
        logits_r = self.net.decode(z)
        logits_p = self.net.decode(zp)
        f_x, d_x = self.dis(x)
        f_r, d_r = self.dis(torch.sigmoid(logits_r))
        _, d_p = self.dis(torch.sigmoid(logits_p))
        prior = (-0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), 1)).mean()
        feature = (0.5 * (f_r - f_x).pow(2).sum(1)).mean()
        pixel = F.binary_cross_entropy_with_logits(logits_r, x, reduction="none").flatten(1).sum(1).mean()
        disc = F.softplus(-d_x).mean() + F.softplus(d_r).mean() + F.softplus(d_p).mean()
        gen = F.softplus(-d_r).mean() + F.softplus(-d_p).mean()
        llike = feature + self.pixel_weight * pixel if self.pixel_weight > 0 else feature
        return {
            "prior": prior, "feature": feature, "pixel": pixel, "disc": disc, "gen": gen,
            "encoder": self.beta * prior + llike,
            "decoder": self.gamma * llike + gen,
            "discriminator": disc,
        }

    def step(self, x, eps, zp):
        """One training step on the batch x; returns the terms' batch means as floats."""
        T = self.losses(x, eps, zp)
        keys = ("encoder", "decoder", "discriminator")
        grads = [torch.autograd.grad(T[k], g, retain_graph=i < 2) for i, (k, g) in enumerate(zip(keys, self.groups))]
        for opt, group, gs in zip(self.opts, self.groups, grads):
            for p, g in zip(group, gs):
                p.grad = g
            opt.step()
        return {k: v.item() for k, v in T.items()}
