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

/*
 * The inner loops hold at most 14 vectors live (8 accumulators, 4 loads, 2 broadcasts): V8 has
 * 15 vector registers on x64, and an 8-accumulator × 8-load form spilled to the stack
 * (measured 2–3× slower). So they pair two pixels (or two taps) over 16 channels at a time.
 */

/* Pixels p and q: gp, gq [0..c) (+)= Σ_t vp[t] · Wt[t·c ..], Σ_t vq[t] · Wt[t·c ..] (q may be p: same values stored twice). */
static inline void taps_pair(int kk, int c, const f32 *vp, const f32 *vq, const f32 *Wt, f32 *gp, f32 *gq, int acc) {
  v128_t z = wasm_f32x4_splat(0.f);
  int j = 0;
  for (; j + 16 <= c; j += 16) {
    v128_t p0 = z, p1 = z, p2 = z, p3 = z, q0 = z, q1 = z, q2 = z, q3 = z;
    if (acc) {
      p0 = LOAD_AT(gp + j, 0), p1 = LOAD_AT(gp + j, 16), p2 = LOAD_AT(gp + j, 32), p3 = LOAD_AT(gp + j, 48);
      q0 = LOAD_AT(gq + j, 0), q1 = LOAD_AT(gq + j, 16), q2 = LOAD_AT(gq + j, 32), q3 = LOAD_AT(gq + j, 48);
    }
    const f32 *w = Wt + j;
    for (int t = 0; t < kk; t++, w += c) {
      v128_t a = wasm_v128_load32_splat(vp + t), b = wasm_v128_load32_splat(vq + t);
      v128_t w0 = LOAD_AT(w, 0), w1 = LOAD_AT(w, 16), w2 = LOAD_AT(w, 32), w3 = LOAD_AT(w, 48);
      p0 = CMADD(a, w0, p0), q0 = CMADD(b, w0, q0);
      p1 = CMADD(a, w1, p1), q1 = CMADD(b, w1, q1);
      p2 = CMADD(a, w2, p2), q2 = CMADD(b, w2, q2);
      p3 = CMADD(a, w3, p3), q3 = CMADD(b, w3, q3);
    }
    wasm_v128_store(gp + j, p0), wasm_v128_store(gp + j + 4, p1), wasm_v128_store(gp + j + 8, p2), wasm_v128_store(gp + j + 12, p3);
    wasm_v128_store(gq + j, q0), wasm_v128_store(gq + j + 4, q1), wasm_v128_store(gq + j + 8, q2), wasm_v128_store(gq + j + 12, q3);
  }
  for (; j + 4 <= c; j += 4) {
    v128_t p = acc ? wasm_v128_load(gp + j) : z, q = acc ? wasm_v128_load(gq + j) : z;
    for (int t = 0; t < kk; t++) {
      v128_t w = wasm_v128_load(Wt + t * c + j);
      p = CMADD(wasm_v128_load32_splat(vp + t), w, p);
      q = CMADD(wasm_v128_load32_splat(vq + t), w, q);
    }
    wasm_v128_store(gp + j, p);
    wasm_v128_store(gq + j, q);
  }
  for (; j < c; j++) {
    f32 p = acc ? gp[j] : 0.f, q = acc ? gq[j] : 0.f;
    for (int t = 0; t < kk; t++) p += vp[t] * Wt[t * c + j], q += vq[t] * Wt[t * c + j];
    gp[j] = p;
    gq[j] = q;
  }
}

/* Walks the grid pixels (n, oy, ox) in order. */
typedef struct {
  int n, oy, ox;
} GridAt;

static inline void grid_next(GridAt *a, int h, int w) {
  if (++a->ox == w) {
    a->ox = 0;
    if (++a->oy == h) a->oy = 0, a->n++;
  }
}

EXPORT("conv1_taps")
void conv1_taps(int N, int H, int W, int k, int s, int pt, int pl, int h, int w, int c, const f32 *img, const f32 *Wt, f32 *G, int acc) {
  int kk = k * k, P = N * h * w;
  f32 vp[MAX_TAPS], vq[MAX_TAPS];
  GridAt at = {0, 0, 0};
  for (int p = 0; p < P; p += 2, G += 2 * c) {
    gather_taps(img + at.n * H * W, H, W, k, s, pt, pl, at.oy, at.ox, vp);
    grid_next(&at, h, w);
    if (p + 1 < P) {
      gather_taps(img + at.n * H * W, H, W, k, s, pt, pl, at.oy, at.ox, vq);
      grid_next(&at, h, w);
      taps_pair(kk, c, vp, vq, Wt, G, G + c, acc);
    } else {
      taps_pair(kk, c, vp, vp, Wt, G, G, acc);
    }
  }
}

/* dW rows t and u [j0 .. j0+16) += Σ_p V[p·kk + t or u] · G[p·c + j0 ..] over np pixels (u may be t). */
static inline void taps_grad_pair(int np, int kk, int c, int t, int u, const f32 *V, const f32 *G, f32 *dt, f32 *du) {
  v128_t t0 = LOAD_AT(dt, 0), t1 = LOAD_AT(dt, 16), t2 = LOAD_AT(dt, 32), t3 = LOAD_AT(dt, 48);
  v128_t u0 = LOAD_AT(du, 0), u1 = LOAD_AT(du, 16), u2 = LOAD_AT(du, 32), u3 = LOAD_AT(du, 48);
  const f32 *vt = V + t, *vu = V + u;
  for (int p = 0; p < np; p++, G += c, vt += kk, vu += kk) {
    v128_t a = wasm_v128_load32_splat(vt), b = wasm_v128_load32_splat(vu);
    v128_t g0 = LOAD_AT(G, 0), g1 = LOAD_AT(G, 16), g2 = LOAD_AT(G, 32), g3 = LOAD_AT(G, 48);
    t0 = CMADD(a, g0, t0), u0 = CMADD(b, g0, u0);
    t1 = CMADD(a, g1, t1), u1 = CMADD(b, g1, u1);
    t2 = CMADD(a, g2, t2), u2 = CMADD(b, g2, u2);
    t3 = CMADD(a, g3, t3), u3 = CMADD(b, g3, u3);
  }
  wasm_v128_store(dt, t0), wasm_v128_store(dt + 4, t1), wasm_v128_store(dt + 8, t2), wasm_v128_store(dt + 12, t3);
  wasm_v128_store(du, u0), wasm_v128_store(du + 4, u1), wasm_v128_store(du + 8, u2), wasm_v128_store(du + 12, u3);
}

EXPORT("conv1_taps_grad")
void conv1_taps_grad(int N, int H, int W, int k, int s, int pt, int pl, int h, int w, int c, const f32 *img, const f32 *G, f32 *dW) {
  int kk = k * k;
  zero_f32(dW, kk * c);
  f32 V[TAP_BLOCK * MAX_TAPS];
  int P = N * h * w;
  GridAt at = {0, 0, 0};
  for (int p0 = 0; p0 < P; p0 += TAP_BLOCK) {
    int np = P - p0 < TAP_BLOCK ? P - p0 : TAP_BLOCK;
    for (int p = 0; p < np; p++) {
      gather_taps(img + at.n * H * W, H, W, k, s, pt, pl, at.oy, at.ox, V + p * kk);
      grid_next(&at, h, w);
    }
    const f32 *Gb = G + p0 * c;
    int j = 0;
    for (; j + 16 <= c; j += 16)
      for (int t = 0; t < kk; t += 2) {
        int u = t + 1 < kk ? t + 1 : t;
        taps_grad_pair(np, kk, c, t, u, V, Gb + j, dW + t * c + j, dW + u * c + j);
      }
    for (int t = 0; t < kk; t++) {
      f32 *d = dW + t * c;
      for (int jj = j; jj + 4 <= c; jj += 4) {
        v128_t a = wasm_v128_load(d + jj);
        for (int p = 0; p < np; p++) a = CMADD(wasm_v128_load32_splat(V + p * kk + t), wasm_v128_load(Gb + p * c + jj), a);
        wasm_v128_store(d + jj, a);
      }
      for (int jj = j + (c - j) / 4 * 4; jj < c; jj++) {
        f32 a = d[jj];
        for (int p = 0; p < np; p++) a += V[p * kk + t] * Gb[p * c + jj];
        d[jj] = a;
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

/*
 * Pixels p and q: dp[i] = Σ_j gp[j] · Wt[(t0 + i)·c + j], dq[i] likewise, for the four taps
 * t0 .. t0+3 (rows past kk read as the last tap: their results are not used).
 */
static inline void dots4_pair(int c, int kk, const f32 *gp, const f32 *gq, const f32 *Wt, int t0, f32 *dp, f32 *dq) {
  int last = kk - 1;
  const f32 *w0 = Wt + t0 * c, *w1 = Wt + (t0 + 1 < kk ? t0 + 1 : last) * c;
  const f32 *w2 = Wt + (t0 + 2 < kk ? t0 + 2 : last) * c, *w3 = Wt + (t0 + 3 < kk ? t0 + 3 : last) * c;
  v128_t z = wasm_f32x4_splat(0.f);
  v128_t p0 = z, p1 = z, p2 = z, p3 = z, q0 = z, q1 = z, q2 = z, q3 = z;
  int j = 0;
  for (; j + 4 <= c; j += 4) {
    v128_t x = wasm_v128_load(gp + j), y = wasm_v128_load(gq + j);
    v128_t a = wasm_v128_load(w0 + j), b = wasm_v128_load(w1 + j), e = wasm_v128_load(w2 + j), f = wasm_v128_load(w3 + j);
    p0 = CMADD(x, a, p0), q0 = CMADD(y, a, q0);
    p1 = CMADD(x, b, p1), q1 = CMADD(y, b, q1);
    p2 = CMADD(x, e, p2), q2 = CMADD(y, e, q2);
    p3 = CMADD(x, f, p3), q3 = CMADD(y, f, q3);
  }
  wasm_v128_store(dp, hsum4(p0, p1, p2, p3));
  wasm_v128_store(dq, hsum4(q0, q1, q2, q3));
  for (; j < c; j++) {
    dp[0] += gp[j] * w0[j], dp[1] += gp[j] * w1[j], dp[2] += gp[j] * w2[j], dp[3] += gp[j] * w3[j];
    dq[0] += gq[j] * w0[j], dq[1] += gq[j] * w1[j], dq[2] += gq[j] * w2[j], dq[3] += gq[j] * w3[j];
  }
}

EXPORT("conv1_scatter")
void conv1_scatter(int N, int H, int W, int k, int s, int pt, int pl, int h, int w, int c, const f32 *G, const f32 *Wt, f32 *img, int acc) {
  int kk = k * k, P = N * h * w;
  if (!acc) zero_f32(img, N * H * W);
  f32 dp[MAX_TAPS + 3] __attribute__((aligned(16))), dq[MAX_TAPS + 3] __attribute__((aligned(16)));
  GridAt at = {0, 0, 0};
  for (int p = 0; p < P; p += 2, G += 2 * c) {
    const f32 *gq = p + 1 < P ? G + c : G;
    for (int t = 0; t < kk; t += 4) dots4_pair(c, kk, G, gq, Wt, t, dp + t, dq + t);
    scatter_taps(img + at.n * H * W, H, W, k, s, pt, pl, at.oy, at.ox, dp);
    grid_next(&at, h, w);
    if (p + 1 < P) {
      scatter_taps(img + at.n * H * W, H, W, k, s, pt, pl, at.oy, at.ox, dq);
      grid_next(&at, h, w);
    }
  }
}
