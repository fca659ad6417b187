#!/bin/sh
# Speed matrix of the PyTorch peer: models x (torch threads, OpenBLAS threads), then the
# VAE (latent 3) test ELBO after 30 epochs. Usage: bench/peer/run_torch_matrix.sh <data.npz> [epochs]
set -e
DATA=${1:-/tmp/mnist_8000_2000.npz}
EPOCHS=${2:-6}
DIR=$(dirname "$0")
for model in ae vae cvae; do
  for tt in 1 2; do
    for ob in 1 2; do
      env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=$ob OMP_NUM_THREADS=$tt \
        /usr/bin/python3 "$DIR/torch_peer.py" --data "$DATA" --model $model --latent 3 --hidden 256 \
        --epochs "$EPOCHS" --batch 256 --lr 1e-3 --seed 1 --threads $tt --no-eval
    done
  done
done
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=2 \
  /usr/bin/python3 "$DIR/torch_peer.py" --data "$DATA" --model vae --latent 3 --hidden 256 \
  --epochs 30 --batch 256 --lr 1e-3 --seed 1 --threads 1
