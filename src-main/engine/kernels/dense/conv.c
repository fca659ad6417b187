/*
 * Latent Lab — the convolution kernels (WebAssembly SIMD), compiled into the same module as
 * ./dense.c (scripts/build-kernels.cjs builds both into dense.wasm and dense-relaxed.wasm).
 *
 * Images are NHWC (tfjs's layout), one sample after another. A 2-D convolution with a k×k
 * filter F[k][k][Ci][Co], stride s and top/left padding pt/pl ('same' padding as tfjs computes
 * it) is run as im2col + the packed GEMM of dense.c:
 *   cols[(n, oy, ox)][(ky, kx, ci)] = X[n][oy·s + ky − pt][ox·s + kx − pl][ci]   (0 outside)
 *   Y = cols · F            (F as a (k·k·Ci) × Co matrix: exactly tfjs's kernel layout)
 *   dF = colsᵀ · dY,   dX = col2im(dY · Fᵀ)
 * and a transposed convolution (tfjs's Conv2DTranspose, kernel K[k][k][Cout][Cin]) is the
 * same pair of maps the other way round: out = col2im(Z · Kᵀ); dZ = im2col(dOut) · K;
 * dK = im2col(dOut)ᵀ · Z. The layer program (../dense/denseNet.ts, convLayers.ts) makes the calls.
 */
#include <wasm_simd128.h>

typedef float f32;
#define EXPORT(n) __attribute__((export_name(n)))

/* d[0..n) = s[0..n) (no libc, and no memory.copy call for these short runs). */
static inline void copy_f32(f32 *d, const f32 *s, int n) {
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    wasm_v128_store(d + i, wasm_v128_load(s + i));
    wasm_v128_store(d + i + 4, wasm_v128_load(s + i + 4));
  }
  for (; i + 4 <= n; i += 4) wasm_v128_store(d + i, wasm_v128_load(s + i));
  for (; i < n; i++) d[i] = s[i];
}

static inline void zero_f32(f32 *d, int n) {
  const v128_t z = wasm_f32x4_splat(0.f);
  int i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(d + i, z);
  for (; i < n; i++) d[i] = 0.f;
}

/* d[0..n) += s[0..n). */
static inline void add_f32(f32 *d, const f32 *s, int n) {
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    wasm_v128_store(d + i, wasm_f32x4_add(wasm_v128_load(d + i), wasm_v128_load(s + i)));
    wasm_v128_store(d + i + 4, wasm_f32x4_add(wasm_v128_load(d + i + 4), wasm_v128_load(s + i + 4)));
  }
  for (; i + 4 <= n; i += 4) wasm_v128_store(d + i, wasm_f32x4_add(wasm_v128_load(d + i), wasm_v128_load(s + i)));
  for (; i < n; i++) d[i] += s[i];
}

/*
 * cols[N·Ho·Wo × k·k·C] from X[N × H × W × C]: row (n, oy, ox) holds the k×k×C patch under
 * output pixel (oy, ox) (stride s, padding pt/pl; zeros outside the image).
 */
EXPORT("im2col")
void im2col(int N, int H, int W, int C, int k, int s, int pt, int pl, int Ho, int Wo, const f32 *X, f32 *cols) {
  int kC = k * C;
  f32 *row = cols;
  for (int n = 0; n < N; n++) {
    const f32 *img = X + n * H * W * C;
    for (int oy = 0; oy < Ho; oy++) {
      for (int ox = 0; ox < Wo; ox++, row += k * kC) {
        int x0 = ox * s - pl;
        /* Taps kx in [a, b) fall inside the image: one contiguous run of X per filter row. */
        int a = x0 < 0 ? -x0 : 0;
        int b = x0 + k > W ? W - x0 : k;
        for (int ky = 0; ky < k; ky++) {
          int iy = oy * s + ky - pt;
          f32 *r = row + ky * kC;
          if (iy < 0 || iy >= H || b <= a) {
            zero_f32(r, kC);
            continue;
          }
          if (a > 0) zero_f32(r, a * C);
          copy_f32(r + a * C, img + (iy * W + x0 + a) * C, (b - a) * C);
          if (b < k) zero_f32(r + b * C, (k - b) * C);
        }
      }
    }
  }
}

/*
 * The adjoint of im2col: X[N × H × W × C] (+)= the patches of cols[N·Ho·Wo × k·k·C] added back
 * where they came from (X is zeroed first unless acc).
 */
EXPORT("col2im")
void col2im(int N, int H, int W, int C, int k, int s, int pt, int pl, int Ho, int Wo, const f32 *cols, f32 *X, int acc) {
  if (!acc) zero_f32(X, N * H * W * C);
  int kC = k * C;
  const f32 *row = cols;
  for (int n = 0; n < N; n++) {
    f32 *img = X + n * H * W * C;
    for (int oy = 0; oy < Ho; oy++) {
      for (int ox = 0; ox < Wo; ox++, row += k * kC) {
        int x0 = ox * s - pl;
        int a = x0 < 0 ? -x0 : 0;
        int b = x0 + k > W ? W - x0 : k;
        if (b <= a) continue;
        for (int ky = 0; ky < k; ky++) {
          int iy = oy * s + ky - pt;
          if (iy < 0 || iy >= H) continue;
          add_f32(img + (iy * W + x0 + a) * C, row + ky * kC + a * C, (b - a) * C);
        }
      }
    }
  }
}

/*
 * Direct kernels for layers whose image has one channel (C = 1: a first Conv2D on grey images,
 * a last Conv2DTranspose to grey logits). There im2col's rows are k·k floats long, so the
 * GEMMs around it have N or K = k·k (9, 16), fill the 4×8 register tile poorly and run at half
 * speed, and im2col / col2im copy runs of a single float. These kernels read the image's k·k
 * taps under each grid pixel straight from the image instead. With the grid G[N·h·w × c]
 * (channels last) and the layer's weights Wt[k·k × c] (tfjs's kernel layout for both layer
 * kinds when the image side has one channel), and img[N × H × W] the one-channel image:
 *   conv1_taps       G (+)= taps(img) · Wt          (conv forward; transposed conv's dZ)
 *   conv1_taps_grad  dWt = taps(img)ᵀ · G           (conv dF; transposed conv's dK)
 *   conv1_scatter    img (+)= the adjoint of taps applied to G · Wtᵀ  (conv dX; transposed conv forward)
 * where taps(img)[(n, oy, ox)][(ky, kx)] = img[n][oy·s + ky − pt][ox·s + kx − pl] (0 outside):
 * exactly im2col with C = 1. k·k must be at most MAX_TAPS.
 */
#define MAX_TAPS 25
#define TAP_BLOCK 64

/* Loads at a constant byte offset in the memarg (see gemm.c: clang would emit i32.add + load). */
#define LOAD_AT(p, off) ({ v128_t r_; __asm__("local.get %1\n\tv128.load " #off "\n\tlocal.set %0" : "=r"(r_) : "r"(p)); r_; })

#ifdef __wasm_relaxed_simd__
#define CMADD(a, b, c) __builtin_wasm_relaxed_madd_f32x4((a), (b), (c))
#else
#define CMADD(a, b, c) wasm_f32x4_add((c), wasm_f32x4_mul((a), (b)))
#endif

/* v[0..k·k) = the taps of grid pixel (oy, ox) in one image (zeros outside it). */
static inline void gather_taps(const f32 *img, int H, int W, int k, int s, int pt, int pl, int oy, int ox, f32 *v) {
  int y0 = oy * s - pt, x0 = ox * s - pl;
  if (y0 >= 0 && y0 + k <= H && x0 >= 0 && x0 + k <= W) {
    /* Inside the image (most pixels): no bounds checks; 3×3 and 4×4 unrolled. */
    const f32 *r = img + y0 * W + x0;
    if (k == 3) {
      v[0] = r[0], v[1] = r[1], v[2] = r[2], r += W;
      v[3] = r[0], v[4] = r[1], v[5] = r[2], r += W;
      v[6] = r[0], v[7] = r[1], v[8] = r[2];
    } else if (k == 4) {
      for (int ky = 0; ky < 4; ky++, r += W) v[4 * ky] = r[0], v[4 * ky + 1] = r[1], v[4 * ky + 2] = r[2], v[4 * ky + 3] = r[3];
    } else {
      for (int ky = 0; ky < k; ky++, r += W)
        for (int kx = 0; kx < k; kx++) v[ky * k + kx] = r[kx];
    }
    return;
  }
  for (int ky = 0; ky < k; ky++) {
    int iy = y0 + ky;
    int in_y = iy >= 0 && iy < H;
    for (int kx = 0; kx < k; kx++) {
      int ix = x0 + kx;
      v[ky * k + kx] = in_y && ix >= 0 && ix < W ? img[iy * W + ix] : 0.f;
    }
  }
}

/* The adjoint of gather_taps: img[tap t of grid pixel (oy, ox)] += d[t] for the taps inside the image. */
static inline void scatter_taps(f32 *img, int H, int W, int k, int s, int pt, int pl, int oy, int ox, const f32 *d) {
  int y0 = oy * s - pt, x0 = ox * s - pl;
  if (y0 >= 0 && y0 + k <= H && x0 >= 0 && x0 + k <= W) {
    f32 *r = img + y0 * W + x0;
    if (k == 3) {
      r[0] += d[0], r[1] += d[1], r[2] += d[2], r += W;
      r[0] += d[3], r[1] += d[4], r[2] += d[5], r += W;
      r[0] += d[6], r[1] += d[7], r[2] += d[8];
    } else {
      for (int ky = 0; ky < k; ky++, r += W)
        for (int kx = 0; kx < k; kx++) r[kx] += d[ky * k + kx];
    }
    return;
  }
  for (int ky = 0; ky < k; ky++) {
    int iy = y0 + ky;
    if (iy < 0 || iy >= H) continue;
    for (int kx = 0; kx < k; kx++) {
      int ix = x0 + kx;
      if (ix >= 0 && ix < W) img[iy * W + ix] += d[ky * k + kx];
    }
  }
}

/* g[0..c) (+)= Σ_t v[t] · Wt[t·c .. t·c + c) for one grid pixel. */
static inline void taps_row(int kk, int c, const f32 *v, const f32 *Wt, f32 *g, int acc) {
  int j = 0;
  for (; j + 32 <= c; j += 32) {
    v128_t a0, a1, a2, a3, a4, a5, a6, a7;
    if (acc) {
      a0 = wasm_v128_load(g + j), a1 = wasm_v128_load(g + j + 4), a2 = wasm_v128_load(g + j + 8), a3 = wasm_v128_load(g + j + 12);
      a4 = wasm_v128_load(g + j + 16), a5 = wasm_v128_load(g + j + 20), a6 = wasm_v128_load(g + j + 24), a7 = wasm_v128_load(g + j + 28);
    } else {
      a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = wasm_f32x4_splat(0.f);
    }
    for (int t = 0; t < kk; t++) {
      v128_t b = wasm_v128_load32_splat(v + t);
      const f32 *w = Wt + t * c + j;
      a0 = CMADD(b, LOAD_AT(w, 0), a0);
      a1 = CMADD(b, LOAD_AT(w, 16), a1);
      a2 = CMADD(b, LOAD_AT(w, 32), a2);
      a3 = CMADD(b, LOAD_AT(w, 48), a3);
      a4 = CMADD(b, LOAD_AT(w, 64), a4);
      a5 = CMADD(b, LOAD_AT(w, 80), a5);
      a6 = CMADD(b, LOAD_AT(w, 96), a6);
      a7 = CMADD(b, LOAD_AT(w, 112), a7);
    }
    wasm_v128_store(g + j, a0), wasm_v128_store(g + j + 4, a1), wasm_v128_store(g + j + 8, a2), wasm_v128_store(g + j + 12, a3);
    wasm_v128_store(g + j + 16, a4), wasm_v128_store(g + j + 20, a5), wasm_v128_store(g + j + 24, a6), wasm_v128_store(g + j + 28, a7);
  }
  for (; j + 4 <= c; j += 4) {
    v128_t a = acc ? wasm_v128_load(g + j) : wasm_f32x4_splat(0.f);
    for (int t = 0; t < kk; t++) a = CMADD(wasm_v128_load32_splat(v + t), wasm_v128_load(Wt + t * c + j), a);
    wasm_v128_store(g + j, a);
  }
  for (; j < c; j++) {
    f32 a = acc ? g[j] : 0.f;
    for (int t = 0; t < kk; t++) a += v[t] * Wt[t * c + j];
    g[j] = a;
  }
}

EXPORT("conv1_taps")
void conv1_taps(int N, int H, int W, int k, int s, int pt, int pl, int h, int w, int c, const f32 *img, const f32 *Wt, f32 *G, int acc) {
  int kk = k * k;
  f32 v[MAX_TAPS];
  for (int n = 0; n < N; n++) {
    const f32 *im = img + n * H * W;
    for (int oy = 0; oy < h; oy++)
      for (int ox = 0; ox < w; ox++, G += c) {
        gather_taps(im, H, W, k, s, pt, pl, oy, ox, v);
        taps_row(kk, c, v, Wt, G, acc);
      }
  }
}

/* dW[t·c + j0 ..] += Σ_p V[p·kk + t] · G[p·c + j0 ..] over a block of np pixels, 32 channels (8 vectors). */
static inline void taps_grad_block8(int np, int kk, int c, int t, const f32 *V, const f32 *G, f32 *dW) {
  v128_t a0 = wasm_v128_load(dW), a1 = wasm_v128_load(dW + 4), a2 = wasm_v128_load(dW + 8), a3 = wasm_v128_load(dW + 12);
  v128_t a4 = wasm_v128_load(dW + 16), a5 = wasm_v128_load(dW + 20), a6 = wasm_v128_load(dW + 24), a7 = wasm_v128_load(dW + 28);
  for (int p = 0; p < np; p++, G += c) {
    v128_t b = wasm_v128_load32_splat(V + p * kk + t);
    a0 = CMADD(b, LOAD_AT(G, 0), a0);
    a1 = CMADD(b, LOAD_AT(G, 16), a1);
    a2 = CMADD(b, LOAD_AT(G, 32), a2);
    a3 = CMADD(b, LOAD_AT(G, 48), a3);
    a4 = CMADD(b, LOAD_AT(G, 64), a4);
    a5 = CMADD(b, LOAD_AT(G, 80), a5);
    a6 = CMADD(b, LOAD_AT(G, 96), a6);
    a7 = CMADD(b, LOAD_AT(G, 112), a7);
  }
  wasm_v128_store(dW, a0), wasm_v128_store(dW + 4, a1), wasm_v128_store(dW + 8, a2), wasm_v128_store(dW + 12, a3);
  wasm_v128_store(dW + 16, a4), wasm_v128_store(dW + 20, a5), wasm_v128_store(dW + 24, a6), wasm_v128_store(dW + 28, a7);
}

EXPORT("conv1_taps_grad")
void conv1_taps_grad(int N, int H, int W, int k, int s, int pt, int pl, int h, int w, int c, const f32 *img, const f32 *G, f32 *dW) {
  int kk = k * k;
  zero_f32(dW, kk * c);
  f32 V[TAP_BLOCK * MAX_TAPS];
  int P = N * h * w;
  int n = 0, oy = 0, ox = 0; /* the next pixel to gather */
  for (int p0 = 0; p0 < P; p0 += TAP_BLOCK) {
    int np = P - p0 < TAP_BLOCK ? P - p0 : TAP_BLOCK;
    for (int p = 0; p < np; p++) {
      gather_taps(img + n * H * W, H, W, k, s, pt, pl, oy, ox, V + p * kk);
      if (++ox == w) {
        ox = 0;
        if (++oy == h) oy = 0, n++;
      }
    }
    const f32 *Gb = G + p0 * c;
    for (int t = 0; t < kk; t++) {
      f32 *d = dW + t * c;
      int j = 0;
      for (; j + 32 <= c; j += 32) taps_grad_block8(np, kk, c, t, V, Gb + j, d + j);
      for (; j + 4 <= c; j += 4) {
        v128_t a = wasm_v128_load(d + j);
        for (int p = 0; p < np; p++) a = CMADD(wasm_v128_load32_splat(V + p * kk + t), wasm_v128_load(Gb + p * c + j), a);
        wasm_v128_store(d + j, a);
      }
      for (; j < c; j++) {
        f32 a = d[j];
        for (int p = 0; p < np; p++) a += V[p * kk + t] * Gb[p * c + j];
        d[j] = a;
      }
    }
  }
}

/* Horizontal sums of four vectors: (Σa, Σb, Σc, Σd). */
static inline v128_t hsum4(v128_t a, v128_t b, v128_t c, v128_t d) {
  v128_t ab0 = wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), ab1 = wasm_i32x4_shuffle(a, b, 2, 6, 3, 7);
  v128_t cd0 = wasm_i32x4_shuffle(c, d, 0, 4, 1, 5), cd1 = wasm_i32x4_shuffle(c, d, 2, 6, 3, 7);
  v128_t ab = wasm_f32x4_add(ab0, ab1), cd = wasm_f32x4_add(cd0, cd1); /* (a0+a2, b0+b2, a1+a3, b1+b3) */
  return wasm_f32x4_add(wasm_i64x2_shuffle(ab, cd, 0, 2), wasm_i64x2_shuffle(ab, cd, 1, 3));
}

/* d[t] = Σ_j g[j] · Wt[t·c + j] for t in [t0, t0 + 4). */
static inline void dots4(int c, const f32 *g, const f32 *Wt, int t0, f32 *d) {
  const f32 *w0 = Wt + t0 * c, *w1 = w0 + c, *w2 = w1 + c, *w3 = w2 + c;
  v128_t z = wasm_f32x4_splat(0.f);
  v128_t a0 = z, a1 = z, a2 = z, a3 = z, b0 = z, b1 = z, b2 = z, b3 = z;
  int j = 0;
  for (; j + 8 <= c; j += 8) {
    const f32 *gj = g + j, *v0 = w0 + j, *v1 = w1 + j, *v2 = w2 + j, *v3 = w3 + j;
    v128_t x = LOAD_AT(gj, 0), y = LOAD_AT(gj, 16);
    a0 = CMADD(x, LOAD_AT(v0, 0), a0);
    a1 = CMADD(x, LOAD_AT(v1, 0), a1);
    a2 = CMADD(x, LOAD_AT(v2, 0), a2);
    a3 = CMADD(x, LOAD_AT(v3, 0), a3);
    b0 = CMADD(y, LOAD_AT(v0, 16), b0);
    b1 = CMADD(y, LOAD_AT(v1, 16), b1);
    b2 = CMADD(y, LOAD_AT(v2, 16), b2);
    b3 = CMADD(y, LOAD_AT(v3, 16), b3);
  }
  if (j + 4 <= c) {
    v128_t x = wasm_v128_load(g + j);
    a0 = CMADD(x, wasm_v128_load(w0 + j), a0);
    a1 = CMADD(x, wasm_v128_load(w1 + j), a1);
    a2 = CMADD(x, wasm_v128_load(w2 + j), a2);
    a3 = CMADD(x, wasm_v128_load(w3 + j), a3);
    j += 4;
  }
  wasm_v128_store(d, hsum4(wasm_f32x4_add(a0, b0), wasm_f32x4_add(a1, b1), wasm_f32x4_add(a2, b2), wasm_f32x4_add(a3, b3)));
  for (; j < c; j++) {
    d[0] += g[j] * w0[j];
    d[1] += g[j] * w1[j];
    d[2] += g[j] * w2[j];
    d[3] += g[j] * w3[j];
  }
}

/* Σ_j g[j] · w[j]. */
static inline f32 dot1(int c, const f32 *g, const f32 *w) {
  v128_t a = wasm_f32x4_splat(0.f), b = a;
  int j = 0;
  for (; j + 8 <= c; j += 8) {
    a = CMADD(wasm_v128_load(g + j), wasm_v128_load(w + j), a);
    b = CMADD(wasm_v128_load(g + j + 4), wasm_v128_load(w + j + 4), b);
  }
  if (j + 4 <= c) {
    a = CMADD(wasm_v128_load(g + j), wasm_v128_load(w + j), a);
    j += 4;
  }
  a = wasm_f32x4_add(a, b);
  f32 r = wasm_f32x4_extract_lane(a, 0) + wasm_f32x4_extract_lane(a, 1) + wasm_f32x4_extract_lane(a, 2) + wasm_f32x4_extract_lane(a, 3);
  for (; j < c; j++) r += g[j] * w[j];
  return r;
}

EXPORT("conv1_scatter")
void conv1_scatter(int N, int H, int W, int k, int s, int pt, int pl, int h, int w, int c, const f32 *G, const f32 *Wt, f32 *img, int acc) {
  int kk = k * k;
  if (!acc) zero_f32(img, N * H * W);
  f32 d[MAX_TAPS + 3] __attribute__((aligned(16)));
  for (int n = 0; n < N; n++) {
    f32 *im = img + n * H * W;
    for (int oy = 0; oy < h; oy++)
      for (int ox = 0; ox < w; ox++, G += c) {
        int t = 0;
        for (; t + 4 <= kk; t += 4) dots4(c, G, Wt, t, d + t);
        for (; t < kk; t++) d[t] = dot1(c, G, Wt + t * c);
        scatter_taps(im, H, W, k, s, pt, pl, oy, ox, d);
      }
  }
}
