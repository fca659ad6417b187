/*
 * Latent Lab — the packed GEMM of the training kernels (WebAssembly SIMD), compiled into the same
 * module as ./dense.c and ./conv.c.
 *
 * C[M×N] = (or +=, when acc) op(A)·op(B), where element (i,k) of op(A) is A[i*rsa + k*csa] and
 * element (k,j) of op(B) is B[k*rsb + j*csb]: a row-major matrix or its transpose, either side,
 * so transposes are never materialised. Blocked as BLIS does: for each column block of B (at
 * most NC) and slice of K (at most KC; blocks of equal size, never a thin last one), B is packed
 * into 8-column panels (kc×8, read from L1 by the micro-kernel); for each MC-row block of A, A is
 * packed into MR-row panels (kc×MR, the block stays in L2); an
 * MR×8 register tile of C accumulates over the slice, reading A by broadcast loads. Packing reads
 * any layout once per block, so im2col matrices of several MB and transposed operands run at
 * the speed of row-major ones. The relaxed-SIMD build fuses each multiply-add
 * (f32x4.relaxed_madd: one rounding instead of two).
 */
#include <wasm_simd128.h>

typedef float f32;
#define EXPORT(n) __attribute__((export_name(n)))

#ifdef __wasm_relaxed_simd__
#define MADD(a, b, c) __builtin_wasm_relaxed_madd_f32x4((a), (b), (c))
#else
#define MADD(a, b, c) wasm_f32x4_add((c), wasm_f32x4_mul((a), (b)))
#endif

/*
 * Block sizes (floats): the pack buffer holds NC·KC (B) + MC·KC (A) floats = GEMM_PACK_FLOATS in
 * densePlan.ts. The register tile is MR×8 with MR = 4 in both builds (measured with fused
 * multiply-add: 5×8 no faster, 6×8 ≈ 35 % slower, as V8 runs out of vector registers; the
 * code takes MR = 4, 5 or 6; with the memarg-offset loads below 5×8 is still no faster, and the
 * k loop unrolled ×2 is 10–25 % slower).
 */
#define MR 4
#define NR 8
#define KC 384
#define MC 64
#define NC 512

/* n split into ceil(n / most) equal blocks, each rounded up to a multiple of `unit`: no thin last block. */
static inline int block_size(int n, int most, int unit) {
  int blocks = (n + most - 1) / most;
  int b = (n + blocks - 1) / blocks;
  b = (b + unit - 1) / unit * unit;
  return b < most ? b : most;
}

/* 4×4 transpose of rows r0..r3 (columns become rows). */
#define TRANSPOSE4(r0, r1, r2, r3)                         \
  do {                                                     \
    v128_t t0 = wasm_i32x4_shuffle(r0, r1, 0, 4, 1, 5);    \
    v128_t t1 = wasm_i32x4_shuffle(r0, r1, 2, 6, 3, 7);    \
    v128_t t2 = wasm_i32x4_shuffle(r2, r3, 0, 4, 1, 5);    \
    v128_t t3 = wasm_i32x4_shuffle(r2, r3, 2, 6, 3, 7);    \
    r0 = wasm_i64x2_shuffle(t0, t2, 0, 2);                 \
    r1 = wasm_i64x2_shuffle(t0, t2, 1, 3);                 \
    r2 = wasm_i64x2_shuffle(t1, t3, 0, 2);                 \
    r3 = wasm_i64x2_shuffle(t1, t3, 1, 3);                 \
  } while (0)

/* Packs op(B)[k0 : k0+kc, j0 : j0+nc] into 8-column panels: panel p's (k, jj) at P[p·kc·8 + k·8 + jj] (zeros past nc). */
static void pack_b(int kc, int nc, const f32 *B, int rsb, int csb, int k0, int j0, f32 *P) {
  for (int jp = 0; jp < nc; jp += NR, P += kc * NR) {
    int nj = nc - jp < NR ? nc - jp : NR;
    const f32 *src = B + k0 * rsb + (j0 + jp) * csb;
    if (csb == 1 && nj == NR) {
      for (int k = 0; k < kc; k++) {
        wasm_v128_store(P + k * 8, wasm_v128_load(src + k * rsb));
        wasm_v128_store(P + k * 8 + 4, wasm_v128_load(src + k * rsb + 4));
      }
    } else if (rsb == 1 && nj == NR) {
      /* Column j contiguous along k: 4×4 transposes. */
      int k = 0;
      for (; k + 4 <= kc; k += 4) {
        for (int h = 0; h < 8; h += 4) {
          v128_t r0 = wasm_v128_load(src + (h + 0) * csb + k), r1 = wasm_v128_load(src + (h + 1) * csb + k);
          v128_t r2 = wasm_v128_load(src + (h + 2) * csb + k), r3 = wasm_v128_load(src + (h + 3) * csb + k);
          TRANSPOSE4(r0, r1, r2, r3);
          wasm_v128_store(P + (k + 0) * 8 + h, r0);
          wasm_v128_store(P + (k + 1) * 8 + h, r1);
          wasm_v128_store(P + (k + 2) * 8 + h, r2);
          wasm_v128_store(P + (k + 3) * 8 + h, r3);
        }
      }
      for (; k < kc; k++)
        for (int jj = 0; jj < 8; jj++) P[k * 8 + jj] = src[jj * csb + k];
    } else {
      for (int k = 0; k < kc; k++)
        for (int jj = 0; jj < 8; jj++) P[k * 8 + jj] = jj < nj ? src[k * rsb + jj * csb] : 0.f;
    }
  }
}

/* Packs op(A)[i0 : i0+mc, k0 : k0+kc] into MR-row panels: panel q's (k, ii) at P[q·kc·MR + k·MR + ii] (zeros past mc). */
static void pack_a(int mc, int kc, const f32 *A, int rsa, int csa, int i0, int k0, f32 *P) {
  for (int ip = 0; ip < mc; ip += MR, P += kc * MR) {
    int ni = mc - ip < MR ? mc - ip : MR;
    const f32 *src = A + (i0 + ip) * rsa + k0 * csa;
    if (rsa == 1 && ni == MR) {
      /* A transposed: the rows' elements at one k are contiguous. */
      for (int k = 0; k < kc; k++) {
        const f32 *s = src + k * csa;
        wasm_v128_store(P + k * MR, wasm_v128_load(s));
        for (int ii = 4; ii < MR; ii++) P[k * MR + ii] = s[ii];
      }
    } else if (csa == 1 && ni == MR) {
      /* Rows contiguous along k: 4×4 transposes for the first four rows. */
      int k = 0;
      for (; k + 4 <= kc; k += 4) {
        v128_t r0 = wasm_v128_load(src + k), r1 = wasm_v128_load(src + rsa + k);
        v128_t r2 = wasm_v128_load(src + 2 * rsa + k), r3 = wasm_v128_load(src + 3 * rsa + k);
        TRANSPOSE4(r0, r1, r2, r3);
        wasm_v128_store(P + (k + 0) * MR, r0);
        wasm_v128_store(P + (k + 1) * MR, r1);
        wasm_v128_store(P + (k + 2) * MR, r2);
        wasm_v128_store(P + (k + 3) * MR, r3);
        for (int ii = 4; ii < MR; ii++)
          for (int kk = 0; kk < 4; kk++) P[(k + kk) * MR + ii] = src[ii * rsa + k + kk];
      }
      for (; k < kc; k++)
        for (int ii = 0; ii < MR; ii++) P[k * MR + ii] = src[ii * rsa + k];
    } else {
      for (int k = 0; k < kc; k++)
        for (int ii = 0; ii < MR; ii++) P[k * MR + ii] = ii < ni ? src[ii * rsa + k * csa] : 0.f;
    }
  }
}

/*
 * Loads at a constant byte offset from a pointer, written as the wasm instruction with that
 * offset in its memarg. clang (16) folds a constant offset into the memarg only when it can
 * prove the address does not wrap, so it emits `i32.add` + load, and V8 then spends an extra
 * instruction per load in the micro-kernel's loop; with the offset in the memarg V8 folds it into
 * the x64 addressing mode (measured: the GEMM 8–13 % faster, CPU time, best of 12 rounds).
 */
#define LOAD_AT(p, off) ({ v128_t r_; __asm__("local.get %1\n\tv128.load " #off "\n\tlocal.set %0" : "=r"(r_) : "r"(p)); r_; })
#define SPLAT_AT(p, off) ({ v128_t r_; __asm__("local.get %1\n\tv128.load32_splat " #off "\n\tlocal.set %0" : "=r"(r_) : "r"(p)); r_; })

/* One row of the tile: acc(r) += A[r] · (b0, b1), A[r] at byte offset `off` of Ap. */
#define ROW(r, off)                          \
  x = SPLAT_AT(Ap, off);                     \
  c##r##0 = MADD(x, b0, c##r##0);            \
  c##r##1 = MADD(x, b1, c##r##1)

/* Stores row r of the tile (mr × nr valid), adding what C holds when `add`. */
static inline void store_row(f32 *c, v128_t v0, v128_t v1, int nr, int add) {
  if (nr == 8) {
    if (add) {
      v0 = wasm_f32x4_add(v0, wasm_v128_load(c));
      v1 = wasm_f32x4_add(v1, wasm_v128_load(c + 4));
    }
    wasm_v128_store(c, v0);
    wasm_v128_store(c + 4, v1);
    return;
  }
  f32 t[8] __attribute__((aligned(16)));
  wasm_v128_store(t, v0);
  wasm_v128_store(t + 4, v1);
  for (int j = 0; j < nr; j++) c[j] = (add ? c[j] : 0.f) + t[j];
}

/* The MR×8 tile C[0:mr, 0:nr] (+)= Ap·Bp over kc (add: accumulate into C, else overwrite). */
__attribute__((noinline)) static void micro(int kc, const f32 *Ap, const f32 *Bp, f32 *C, int ldc, int mr, int nr, int add) {
  v128_t c00 = wasm_f32x4_splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
#if MR >= 5
  v128_t c40 = c00, c41 = c00;
#endif
#if MR == 6
  v128_t c50 = c00, c51 = c00;
#endif
  for (int k = 0; k < kc; k++) {
    v128_t b0 = LOAD_AT(Bp, 0), b1 = LOAD_AT(Bp, 16);
    v128_t x;
    ROW(0, 0);
    ROW(1, 4);
    ROW(2, 8);
    ROW(3, 12);
#if MR >= 5
    ROW(4, 16);
#endif
#if MR == 6
    ROW(5, 20);
#endif
    Ap += MR;
    Bp += 8;
  }
  store_row(C, c00, c01, nr, add);
  if (mr > 1) store_row(C + ldc, c10, c11, nr, add);
  if (mr > 2) store_row(C + 2 * ldc, c20, c21, nr, add);
  if (mr > 3) store_row(C + 3 * ldc, c30, c31, nr, add);
#if MR >= 5
  if (mr > 4) store_row(C + 4 * ldc, c40, c41, nr, add);
#endif
#if MR == 6
  if (mr > 5) store_row(C + 5 * ldc, c50, c51, nr, add);
#endif
}

EXPORT("gemm")
void gemm(int M, int N, int K, const f32 *A, int rsa, int csa, const f32 *B, int rsb, int csb, f32 *C, int ldc,
          int acc, f32 *pack) {
  f32 *Bp = pack, *Ap = pack + NC * KC;
  if (K == 0) {
    if (!acc)
      for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) C[i * ldc + j] = 0.f;
    return;
  }
  int NB = block_size(N, NC, NR), KB = block_size(K, KC, 1);
  for (int jc = 0; jc < N; jc += NB) {
    int nc = N - jc < NB ? N - jc : NB;
    for (int pc = 0; pc < K; pc += KB) {
      int kc = K - pc < KB ? K - pc : KB;
      int add = acc || pc > 0;
      pack_b(kc, nc, B, rsb, csb, pc, jc, Bp);
      for (int ic = 0; ic < M; ic += MC) {
        int mc = M - ic < MC ? M - ic : MC;
        pack_a(mc, kc, A, rsa, csa, ic, pc, Ap);
        for (int jr = 0; jr < nc; jr += NR) {
          int nr = nc - jr < NR ? nc - jr : NR;
          const f32 *bp = Bp + jr * kc;
          for (int ir = 0; ir < mc; ir += MR) {
            int mr = mc - ir < MR ? mc - ir : MR;
            micro(kc, Ap + ir * kc, bp, C + (ic + ir) * ldc + jc + jr, ldc, mr, nr, add);
          }
        }
      }
    }
  }
}
