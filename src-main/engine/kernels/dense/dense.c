/*
 * Latent Lab — the dense training kernels (WebAssembly SIMD, one thread per call).
 *
 * Everything one training step of a dense AE / VAE / CVAE needs, on raw float arrays in one
 * shared WebAssembly.Memory (with ./gemm.c: a packed GEMM with any operand layout; ./conv.c:
 * im2col / col2im for the conv models): bias + activation, their
 * gradients, inverted dropout, the Bernoulli / Gaussian reconstruction loss with its gradient, the VAE
 * reparameterisation and KL with theirs, and Adam. The layer program (which call on which
 * buffer) lives in ./denseNet.ts; two training threads each run it on their half of the batch.
 * A classifier (conv stages → dense → logits) uses the same kernels with softmax cross-entropy.
 *
 * Built by `npm run build:kernels` (scripts/build-kernels.cjs: clang --target=wasm32 -msimd128)
 * into ./dense.wasm and, with relaxed SIMD, ./dense-relaxed.wasm (both committed). Every
 * EXPORT's prototype (here, in gemm.c and in conv.c) is also a row of ./kernelTable.ts,
 * which types the calls and is checked against the module when it loads: a new kernel is a C
 * function here plus its row there. No libc: the few transcendental functions are written out
 * below (Cephes polynomials, ~1 ulp in float).
 */
#include <wasm_simd128.h>

typedef float f32;
#define EXPORT(n) __attribute__((export_name(n)))

/* a·b + c: fused (one rounding) in the relaxed-SIMD build, a multiply and an add otherwise. */
#ifdef __wasm_relaxed_simd__
#define MADD(a, b, c) __builtin_wasm_relaxed_madd_f32x4((a), (b), (c))
#else
#define MADD(a, b, c) wasm_f32x4_add(wasm_f32x4_mul((a), (b)), (c))
#endif

/* ---------- math ---------- */

static inline f32 exp_(f32 x) {
  if (x > 88.3f) x = 88.3f;
  if (x < -87.3f) x = -87.3f;
  f32 n = __builtin_floorf(x * 1.44269504088896341f + 0.5f);
  f32 r = x - n * 0.693359375f;
  r = r + n * 2.12194440e-4f;
  f32 p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  union { int i; f32 f; } u;
  u.i = ((int)n + 127) << 23;
  return p * u.f;
}

/* log(x) for normal x > 0. */
static inline f32 log_(f32 x) {
  union { f32 f; int i; } u = { x };
  int e = ((u.i >> 23) & 0xff) - 126;
  u.i = (u.i & 0x807fffff) | 0x3f000000;
  f32 m = u.f;
  if (m < 0.707106781186547524f) {
    e -= 1;
    m = m + m - 1.0f;
  } else {
    m = m - 1.0f;
  }
  f32 z = m * m;
  f32 y = 7.0376836292e-2f;
  y = y * m - 1.1514610310e-1f;
  y = y * m + 1.1676998740e-1f;
  y = y * m - 1.2420140846e-1f;
  y = y * m + 1.4249322787e-1f;
  y = y * m - 1.6668057665e-1f;
  y = y * m + 2.0000714765e-1f;
  y = y * m - 2.4999993993e-1f;
  y = y * m + 3.3333331174e-1f;
  y = y * m * z;
  f32 fe = (f32)e;
  y += fe * -2.12194440e-4f;
  y += -0.5f * z;
  return m + y + fe * 0.693359375f;
}

/* log(1 + y) for y >= 0, accurate for small y. */
static inline f32 log1p_(f32 y) {
  f32 u = 1.0f + y;
  if (u == 1.0f) return y;
  return log_(u) * (y / (u - 1.0f));
}

/* The same functions on four lanes (same polynomials, same results up to rounding order). */
/*
 * Written for V8's x64 code: pmin / pmax (one minps / maxps) where wasm's min / max take a
 * NaN-propagating sequence of several instructions, and 2ⁿ built from n's float bits (n + 1.5·2²³
 * holds n in its low mantissa bits) where i32x4.trunc_sat_f32x4 takes a saturating sequence.
 */
static inline v128_t vexp(v128_t x) {
  x = wasm_f32x4_pmin(wasm_f32x4_pmax(x, wasm_f32x4_splat(-87.3f)), wasm_f32x4_splat(88.3f));
  v128_t n = wasm_f32x4_floor(wasm_f32x4_add(wasm_f32x4_mul(x, wasm_f32x4_splat(1.44269504088896341f)), wasm_f32x4_splat(0.5f)));
  v128_t r = wasm_f32x4_sub(x, wasm_f32x4_mul(n, wasm_f32x4_splat(0.693359375f)));
  r = wasm_f32x4_add(r, wasm_f32x4_mul(n, wasm_f32x4_splat(2.12194440e-4f)));
  v128_t p = wasm_f32x4_splat(1.9875691500e-4f);
  p = MADD(p, r, wasm_f32x4_splat(1.3981999507e-3f));
  p = MADD(p, r, wasm_f32x4_splat(8.3334519073e-3f));
  p = MADD(p, r, wasm_f32x4_splat(4.1665795894e-2f));
  p = MADD(p, r, wasm_f32x4_splat(1.6666665459e-1f));
  p = MADD(p, r, wasm_f32x4_splat(5.0000001201e-1f));
  p = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_mul(p, r), r), r), wasm_f32x4_splat(1.0f));
  v128_t e = wasm_i32x4_shl(wasm_i32x4_sub(wasm_f32x4_add(n, wasm_f32x4_splat(12582912.0f)), wasm_i32x4_splat(0x4B400000 - 127)), 23);
  return wasm_f32x4_mul(p, e);
}

static inline v128_t vlog(v128_t x) {
  v128_t e = wasm_i32x4_sub(wasm_u32x4_shr(wasm_v128_and(x, wasm_i32x4_splat(0x7f800000)), 23), wasm_i32x4_splat(126));
  v128_t m = wasm_v128_or(wasm_v128_and(x, wasm_i32x4_splat(0x807fffff)), wasm_i32x4_splat(0x3f000000));
  v128_t small = wasm_f32x4_lt(m, wasm_f32x4_splat(0.707106781186547524f));
  e = wasm_i32x4_add(e, small); /* mask lanes are −1 */
  m = wasm_f32x4_sub(wasm_f32x4_add(m, wasm_v128_and(small, m)), wasm_f32x4_splat(1.0f));
  v128_t z = wasm_f32x4_mul(m, m);
  v128_t y = wasm_f32x4_splat(7.0376836292e-2f);
  y = MADD(y, m, wasm_f32x4_splat(-1.1514610310e-1f));
  y = MADD(y, m, wasm_f32x4_splat(1.1676998740e-1f));
  y = MADD(y, m, wasm_f32x4_splat(-1.2420140846e-1f));
  y = MADD(y, m, wasm_f32x4_splat(1.4249322787e-1f));
  y = MADD(y, m, wasm_f32x4_splat(-1.6668057665e-1f));
  y = MADD(y, m, wasm_f32x4_splat(2.0000714765e-1f));
  y = MADD(y, m, wasm_f32x4_splat(-2.4999993993e-1f));
  y = MADD(y, m, wasm_f32x4_splat(3.3333331174e-1f));
  y = wasm_f32x4_mul(wasm_f32x4_mul(y, m), z);
  v128_t fe = wasm_f32x4_convert_i32x4(e);
  y = wasm_f32x4_add(y, wasm_f32x4_mul(fe, wasm_f32x4_splat(-2.12194440e-4f)));
  y = wasm_f32x4_add(y, wasm_f32x4_mul(wasm_f32x4_splat(-0.5f), z));
  return wasm_f32x4_add(wasm_f32x4_add(m, y), wasm_f32x4_mul(fe, wasm_f32x4_splat(0.693359375f)));
}

static inline f32 hsum(v128_t v) {
  return (wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1)) +
         (wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3));
}

/* The GEMM is in ./gemm.c, the convolution kernels in ./conv.c (the same module). */

/* ---------- layers ---------- */

enum { ACT_LINEAR = 0, ACT_RELU = 1, ACT_ELU = 2, ACT_TANH = 3, ACT_SIGMOID = 4, ACT_SELU = 5, ACT_LEAKY = 6 };
#define SELU_SCALE 1.0507009873554805f
#define SELU_ALPHA 1.6732632423543772f
#define LEAKY_ALPHA 0.2f

static inline f32 act_f(int act, f32 z) {
  switch (act) {
    case ACT_RELU: return z > 0.f ? z : 0.f;
    case ACT_ELU: return z > 0.f ? z : exp_(z) - 1.0f;
    case ACT_TANH: return 1.0f - 2.0f / (exp_(2.0f * z) + 1.0f);
    case ACT_SIGMOID: return 1.0f / (1.0f + exp_(-z));
    case ACT_SELU: return z > 0.f ? SELU_SCALE * z : SELU_SCALE * SELU_ALPHA * (exp_(z) - 1.0f);
    case ACT_LEAKY: return z > 0.f ? z : LEAKY_ALPHA * z;
    default: return z;
  }
}

/* The activation's derivative, from its output h. */
static inline f32 act_d(int act, f32 h) {
  switch (act) {
    case ACT_RELU: return h > 0.f ? 1.f : 0.f;
    case ACT_ELU: return h > 0.f ? 1.f : h + 1.0f;
    case ACT_TANH: return 1.0f - h * h;
    case ACT_SIGMOID: return h * (1.0f - h);
    case ACT_SELU: return h > 0.f ? SELU_SCALE : h + SELU_SCALE * SELU_ALPHA;
    case ACT_LEAKY: return h > 0.f ? 1.f : LEAKY_ALPHA;
    default: return 1.f;
  }
}

/* The activation's derivative from its output, on four lanes (act_d's arithmetic exactly). */
static inline v128_t vact_d(int act, v128_t h) {
  const v128_t one = wasm_f32x4_splat(1.0f);
  v128_t pos = wasm_f32x4_gt(h, wasm_f32x4_splat(0.f));
  switch (act) {
    case ACT_RELU: return wasm_v128_and(pos, one);
    case ACT_ELU: return wasm_v128_bitselect(one, wasm_f32x4_add(h, one), pos);
    case ACT_TANH: return wasm_f32x4_sub(one, wasm_f32x4_mul(h, h));
    case ACT_SIGMOID: return wasm_f32x4_mul(h, wasm_f32x4_sub(one, h));
    case ACT_SELU: return wasm_v128_bitselect(wasm_f32x4_splat(SELU_SCALE), wasm_f32x4_add(h, wasm_f32x4_splat(SELU_SCALE * SELU_ALPHA)), pos);
    case ACT_LEAKY: return wasm_v128_bitselect(one, wasm_f32x4_splat(LEAKY_ALPHA), pos);
    default: return one;
  }
}

/* H[M×N] = act(H + bias) in place (H holds the product x·W). */
EXPORT("bias_act")
void bias_act(int M, int N, f32 *H, const f32 *bias, int act) {
  const v128_t zero = wasm_f32x4_splat(0.f);
  for (int i = 0; i < M; i++) {
    f32 *h = H + i * N;
    int j = 0;
    if (act == ACT_RELU) {
      for (; j + 4 <= N; j += 4) wasm_v128_store(h + j, wasm_f32x4_pmax(wasm_f32x4_add(wasm_v128_load(h + j), wasm_v128_load(bias + j)), zero));
      for (; j < N; j++) {
        f32 z = h[j] + bias[j];
        h[j] = z > 0.f ? z : 0.f;
      }
    } else if (act == ACT_LINEAR) {
      for (; j + 4 <= N; j += 4) wasm_v128_store(h + j, wasm_f32x4_add(wasm_v128_load(h + j), wasm_v128_load(bias + j)));
      for (; j < N; j++) h[j] += bias[j];
    } else if (act == ACT_LEAKY) {
      for (; j + 4 <= N; j += 4) {
        v128_t z = wasm_f32x4_add(wasm_v128_load(h + j), wasm_v128_load(bias + j));
        wasm_v128_store(h + j, wasm_v128_bitselect(z, wasm_f32x4_mul(z, wasm_f32x4_splat(LEAKY_ALPHA)), wasm_f32x4_gt(z, zero)));
      }
      for (; j < N; j++) h[j] = act_f(act, h[j] + bias[j]);
    } else {
      for (; j < N; j++) h[j] = act_f(act, h[j] + bias[j]);
    }
  }
}

/* dH[M×N] *= act'(H) in place: dH becomes the gradient at the pre-activation. */
EXPORT("act_grad")
void act_grad(int M, int N, const f32 *H, f32 *dH, int act) {
  int n = M * N;
  if (act == ACT_LINEAR) return;
  int i = 0;
  if (act == ACT_RELU) {
    /* A select, not a product: an inf or NaN gradient where the unit is off stays 0, as in tfjs. */
    const v128_t zero = wasm_f32x4_splat(0.f);
    for (; i + 4 <= n; i += 4) wasm_v128_store(dH + i, wasm_v128_bitselect(wasm_v128_load(dH + i), zero, wasm_f32x4_gt(wasm_v128_load(H + i), zero)));
    for (; i < n; i++) dH[i] = H[i] > 0.f ? dH[i] : 0.f;
  } else {
    for (; i + 4 <= n; i += 4) wasm_v128_store(dH + i, wasm_f32x4_mul(wasm_v128_load(dH + i), vact_d(act, wasm_v128_load(H + i))));
    for (; i < n; i++) dH[i] *= act_d(act, H[i]);
  }
}

/* H[i, :] += W[(row0 + labels[i]) × N]: the one-hot half of a dense layer on [x, onehot(y)]. */
EXPORT("add_label_rows")
void add_label_rows(int M, int N, f32 *H, const f32 *W, const int *labels, int row0) {
  for (int i = 0; i < M; i++) {
    const f32 *w = W + (row0 + labels[i]) * N;
    f32 *h = H + i * N;
    for (int j = 0; j < N; j++) h[j] += w[j];
  }
}

/* dW[(row0 + c) × N] = Σ_{i: labels[i] = c} dZ[i, :] for c < classes (rows overwritten). */
EXPORT("label_rows_grad")
void label_rows_grad(int M, int N, const f32 *dZ, const int *labels, f32 *dW, int row0, int classes) {
  f32 *d = dW + row0 * N;
  for (int i = 0; i < classes * N; i++) d[i] = 0.f;
  for (int i = 0; i < M; i++) {
    f32 *w = d + labels[i] * N;
    const f32 *g = dZ + i * N;
    for (int j = 0; j < N; j++) w[j] += g[j];
  }
}

/* db[N] = Σ_i dZ[i, :] (overwritten). */
EXPORT("col_sum")
void col_sum(int M, int N, const f32 *dZ, f32 *db) {
  for (int j = 0; j < N; j++) db[j] = 0.f;
  for (int i = 0; i < M; i++) {
    const f32 *g = dZ + i * N;
    for (int j = 0; j < N; j++) db[j] += g[j];
  }
}

/*
 * Inverted dropout: D = H · mask with mask = 1/(1 − rate) for kept units and 0 for dropped ones
 * (kept with probability 1 − rate, from a hash of `seed` and the element index). The mask is
 * stored for the backward pass (mul_in_place).
 */
EXPORT("dropout")
void dropout(int n, const f32 *H, f32 *D, f32 *mask, f32 rate, unsigned seed) {
  f32 keep = 1.0f / (1.0f - rate);
  for (int i = 0; i < n; i++) {
    unsigned h = seed ^ ((unsigned)i * 0x9e3779b9u);
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    f32 u = (f32)(h >> 8) * (1.0f / 16777216.0f);
    f32 m = u < rate ? 0.f : keep;
    mask[i] = m;
    D[i] = H[i] * m;
  }
}

/* dD[n] *= mask in place: the gradient at the dropout's input. */
EXPORT("mul_in_place")
void mul_in_place(int n, f32 *dD, const f32 *mask) {
  for (int i = 0; i < n; i++) dD[i] *= mask[i];
}

/* ---------- losses ---------- */

/*
 * Bernoulli reconstruction from logits, in place: L[M×D] holds the logits on entry and
 * scale·(sigmoid(l) − x) on return. Returns Σ over rows and pixels of
 * max(l, 0) − l·x + log(1 + e^−|l|)   (= BCE(sigmoid(l), x)).
 */
EXPORT("recon_bernoulli")
double recon_bernoulli(int M, int D, f32 *L, const f32 *X, f32 scale) {
  double total = 0;
  const v128_t zero = wasm_f32x4_splat(0.f), one = wasm_f32x4_splat(1.0f), vs = wasm_f32x4_splat(scale);
  for (int i = 0; i < M; i++) {
    f32 *l = L + i * D;
    const f32 *x = X + i * D;
    v128_t acc = zero;
    int j = 0;
    for (; j + 4 <= D; j += 4) {
      v128_t v = wasm_v128_load(l + j), t = wasm_v128_load(x + j);
      v128_t e = vexp(wasm_f32x4_neg(wasm_f32x4_abs(v)));
      v128_t u = wasm_f32x4_add(one, e);
      v128_t inv = wasm_f32x4_div(one, u);
      v128_t sig = wasm_v128_bitselect(inv, wasm_f32x4_mul(e, inv), wasm_f32x4_ge(v, zero));
      /* log1p(e) = log(u) + (e − (u − 1))/u: the rounding of 1 + e corrected, with the one division. */
      v128_t lp = wasm_f32x4_add(vlog(u), wasm_f32x4_mul(wasm_f32x4_sub(e, wasm_f32x4_sub(u, one)), inv));
      acc = wasm_f32x4_add(acc, wasm_f32x4_add(wasm_f32x4_sub(wasm_f32x4_pmax(v, zero), wasm_f32x4_mul(v, t)), lp));
      wasm_v128_store(l + j, wasm_f32x4_mul(vs, wasm_f32x4_sub(sig, t)));
    }
    f32 row = hsum(acc);
    for (; j < D; j++) {
      f32 v = l[j];
      f32 a = v < 0.f ? -v : v;
      f32 e = exp_(-a);
      f32 inv = 1.0f / (1.0f + e);
      f32 sig = v >= 0.f ? inv : e * inv;
      row += (v > 0.f ? v : 0.f) - v * x[j] + log1p_(e);
      l[j] = scale * (sig - x[j]);
    }
    total += row;
  }
  return total;
}

/* Gaussian (unit variance) reconstruction: ½·Σ(x − l)²; L becomes scale·(l − x). */
EXPORT("recon_gaussian")
double recon_gaussian(int M, int D, f32 *L, const f32 *X, f32 scale) {
  double total = 0;
  for (int i = 0; i < M; i++) {
    f32 *l = L + i * D;
    const f32 *x = X + i * D;
    f32 row = 0.f;
    for (int j = 0; j < D; j++) {
      f32 d = l[j] - x[j];
      row += 0.5f * d * d;
      l[j] = scale * d;
    }
    total += row;
  }
  return total;
}

/*
 * Softmax cross-entropy from logits (a classifier's loss), in place: L[M×K] holds the logits on
 * entry and scale·(softmax(l) − onehot(y)) on return. Returns Σ over rows of
 * −log softmax(l)[y] = log Σ_j e^(l_j − max) − (l_y − max). Labels must be in [0, K).
 */
EXPORT("softmax_xent")
double softmax_xent(int M, int K, f32 *L, const int *labels, f32 scale) {
  double total = 0;
  for (int i = 0; i < M; i++) {
    f32 *l = L + i * K;
    int y = labels[i];
    f32 mx = l[0];
    for (int j = 1; j < K; j++) mx = l[j] > mx ? l[j] : mx;
    f32 ly = l[y] - mx;
    f32 s = 0.f;
    for (int j = 0; j < K; j++) {
      f32 e = exp_(l[j] - mx);
      l[j] = e;
      s += e;
    }
    f32 inv = 1.0f / s;
    for (int j = 0; j < K; j++) l[j] = scale * (l[j] * inv - (j == y ? 1.0f : 0.0f));
    total += log_(s) - ly;
  }
  return total;
}

/*
 * VAE sampling: Z = MU + exp(½·LV)·EPS (all M×Lz). Returns Σ over rows of
 * KL(q ‖ N(0, I)) = −½·Σ (1 + lv − mu² − e^lv).
 */
EXPORT("reparam")
double reparam(int M, int Lz, const f32 *MU, const f32 *LV, const f32 *EPS, f32 *Z) {
  double total = 0;
  for (int i = 0; i < M * Lz; i++) {
    f32 mu = MU[i], lv = LV[i];
    f32 s = exp_(0.5f * lv);
    Z[i] = mu + s * EPS[i];
    total += -0.5f * (1.0f + lv - mu * mu - s * s);
  }
  return total;
}

/*
 * Gradients at MU and LV from dZ (the decoder's gradient at z) and the KL term weighted by
 * `klScale` (β / batch size): dMU = dZ + k·mu; dLV = ½·dZ·eps·e^{lv/2} + ½·k·(e^lv − 1).
 */
EXPORT("reparam_grad")
void reparam_grad(int M, int Lz, const f32 *MU, const f32 *LV, const f32 *EPS, const f32 *dZ, f32 *dMU, f32 *dLV,
                  f32 klScale) {
  for (int i = 0; i < M * Lz; i++) {
    f32 s = exp_(0.5f * LV[i]);
    dMU[i] = dZ[i] + klScale * MU[i];
    dLV[i] = 0.5f * dZ[i] * EPS[i] * s + 0.5f * klScale * (s * s - 1.0f);
  }
}

/* ---------- optimizer ---------- */

/*
 * Adam over n parameters, tfjs's formulation: g = Σ_{t < nG} G[t·gStride + i] + l2·W (the
 * threads' gradient shares); m = b1·m + (1−b1)·g; v = b2·v + (1−b2)·g²;
 * w −= lr·(m/c1) / (sqrt(v/c2) + eps), with c1 = 1 − b1^t and c2 = 1 − b2^t (the two divisions
 * by c1, c2 are multiplications by their reciprocals: a rounding difference, 4× fewer divides).
 */
EXPORT("adam")
void adam(int n, f32 *W, const f32 *G, int nG, int gStride, f32 *Mo, f32 *Vo, f32 lr, f32 b1, f32 b2, f32 eps, f32 c1,
          f32 c2, f32 l2) {
  f32 nb1 = 1.0f - b1, nb2 = 1.0f - b2;
  const v128_t vb1 = wasm_f32x4_splat(b1), vb2 = wasm_f32x4_splat(b2), vnb1 = wasm_f32x4_splat(nb1),
               vnb2 = wasm_f32x4_splat(nb2), vl2 = wasm_f32x4_splat(l2), vlr = wasm_f32x4_splat(lr),
               vc1 = wasm_f32x4_splat(1.0f / c1), vc2 = wasm_f32x4_splat(1.0f / c2), veps = wasm_f32x4_splat(eps);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t g = wasm_v128_load(G + i);
    for (int t = 1; t < nG; t++) g = wasm_f32x4_add(g, wasm_v128_load(G + t * gStride + i));
    v128_t w = wasm_v128_load(W + i);
    g = wasm_f32x4_add(g, wasm_f32x4_mul(vl2, w));
    v128_t m = wasm_f32x4_add(wasm_f32x4_mul(vb1, wasm_v128_load(Mo + i)), wasm_f32x4_mul(vnb1, g));
    v128_t v = wasm_f32x4_add(wasm_f32x4_mul(vb2, wasm_v128_load(Vo + i)), wasm_f32x4_mul(wasm_f32x4_mul(vnb2, g), g));
    wasm_v128_store(Mo + i, m);
    wasm_v128_store(Vo + i, v);
    v128_t step = wasm_f32x4_div(wasm_f32x4_mul(vlr, wasm_f32x4_mul(m, vc1)), wasm_f32x4_add(wasm_f32x4_sqrt(wasm_f32x4_mul(v, vc2)), veps));
    wasm_v128_store(W + i, wasm_f32x4_sub(w, step));
  }
  for (; i < n; i++) {
    f32 g = G[i];
    for (int t = 1; t < nG; t++) g += G[t * gStride + i];
    g += l2 * W[i];
    f32 m = b1 * Mo[i] + nb1 * g;
    f32 v = b2 * Vo[i] + nb2 * g * g;
    Mo[i] = m;
    Vo[i] = v;
    W[i] -= lr * (m * (1.0f / c1)) / (__builtin_sqrtf(v * (1.0f / c2)) + eps);
  }
}

/*
 * The weight average (EMA, Polyak averaging's exponential form) of n floats, in place:
 * A = d·A + (1 − d)·W. A: the average θ̄, W: the weights θ after this step's Adam update,
 * d: this step's decay (dimensionless, in [0, 1); ./ganNet.ts average passes emaDecayAt's).
 * A multiply and an add per term in both builds (no fused multiply-add), so the plain and the
 * relaxed-SIMD module average identically.
 */
EXPORT("ema")
void ema(int n, f32 *A, const f32 *W, f32 d) {
  const f32 nd = 1.0f - d;
  const v128_t vd = wasm_f32x4_splat(d), vnd = wasm_f32x4_splat(nd);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t a = wasm_f32x4_mul(vd, wasm_v128_load(A + i));
    wasm_v128_store(A + i, wasm_f32x4_add(a, wasm_f32x4_mul(vnd, wasm_v128_load(W + i))));
  }
  for (; i < n; i++) A[i] = d * A[i] + nd * W[i];
}
