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
