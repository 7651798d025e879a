#!/bin/bash

# Parameters
#SBATCH --array=0-5%2
#SBATCH --cpus-per-task=4
#SBATCH --error=/sweeps/logs/%A_%a/%A_%a_0_log.err
#SBATCH --gpus-per-node=1
#SBATCH --job-name=harness-split-digits
#SBATCH --mem=16GB
#SBATCH --nodes=1
#SBATCH --open-mode=append
#SBATCH --output=/sweeps/logs/%A_%a/%A_%a_0_log.out
#SBATCH --partition=debug
#SBATCH --signal=USR2@90
#SBATCH --time=30
#SBATCH --wckey=submitit

# command
export SUBMITIT_EXECUTOR=slurm
srun --unbuffered --output /sweeps/logs/%A_%a/%A_%a_%t_log.out --error /sweeps/logs/%A_%a/%A_%a_%t_log.err python3 -u -m submitit.core._submit /sweeps/logs/%j
