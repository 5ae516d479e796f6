/**
 * Training utilities that need the whole library: {@link dev.jrnn.train.Checkpoint} (model, optimizer,
 * scheduler, random-generator states and the epoch in one safetensors file, written atomically) and
 * {@link dev.jrnn.train.Trainer}, a small epoch/batch loop with evaluation, early stopping, checkpoints and
 * a {@link dev.jrnn.train.TrainingListener} for progress. Depends on {@code dev.jrnn.nn},
 * {@code dev.jrnn.optim}, {@code dev.jrnn.loss}, {@code dev.jrnn.io} and {@code dev.jrnn.tensor}.
 */
package dev.jrnn.train;
