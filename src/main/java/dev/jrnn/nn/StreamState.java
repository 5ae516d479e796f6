package dev.jrnn.nn;

import dev.jrnn.tensor.Tensor;

/**
 * The running state of one stream fed step by step to a unidirectional {@link RNN}, {@link LSTM} or
 * {@link GRU} ({@link RNNBase#step(Tensor, StreamState, Tensor)}): every layer's {@code h}
 * {@code (num_layers, N, H_out)} (and the LSTM's {@code c} {@code (num_layers, N, H)}) and the step's
 * buffers, so that a step allocates nothing.
 *
 * <p>Created by {@link RNNBase#newStreamState(int)}, {@link RNNBase#newUnbatchedStreamState()},
 * {@link RNNBase#newStreamState(Tensor)} or {@link LSTM#newStreamState(LSTMState)}; bound to that
 * module. The steps use the module's packed weights, which are rebuilt (once, allocating) when a
 * parameter's {@link Tensor#version() version} changed since they were packed, e.g. after an optimizer
 * step or {@code loadStateDict}.
 *
 * <p>Thread safety: not thread-safe; one state per stream, used by one thread at a time. Different
 * states may step on one shared module from different threads at once (the module is only read).
 */
public final class StreamState {

    final RNNBase module;
    final int batch;
    final boolean unbatched;
    final Recurrence.Lane[] lanes;     // [layer]
    final Recurrence.Scratch scratch;  // chunk of one step
    final float[][] layerBufs;         // two (N, H_out) buffers between layers, or null for one layer
    final float[] result;              // (N, H_out): the output of step(x, s) before it is copied out

    StreamState(RNNBase module, int batch, boolean unbatched, float[] h0, float[] c0) {
        this.module = module;
        this.batch = batch;
        this.unbatched = unbatched;
        RNNConfig c = module.config;
        this.lanes = Recurrence.lanes(c, batch, h0, c0);
        this.scratch = new Recurrence.Scratch(c, 1, batch);
        int hOut = c.outputHiddenSize();
        this.layerBufs = c.numLayers() > 1 ? new float[][] {new float[batch * hOut], new float[batch * hOut]} : null;
        this.result = new float[batch * hOut];
    }

    /** {@return the batch size {@code N} of this stream (1 for an unbatched stream)} */
    public int batchSize() {
        return batch;
    }

    /** {@return whether steps take {@code (H_in)} and return {@code (H_out)} (no batch dimension)} */
    public boolean isUnbatched() {
        return unbatched;
    }

    /**
     * {@return a copy of the current hidden states: {@code (num_layers, N, H_out)}, unbatched
     * {@code (num_layers, H_out)}} After {@code k} steps this is the {@code h_n} of a forward over those
     * {@code k} steps.
     */
    public Tensor h() {
        int hOut = module.config.outputHiddenSize();
        return stack(hOut, false);
    }

    /**
     * {@return a copy of the LSTM cell states: {@code (num_layers, N, H)}, unbatched {@code (num_layers, H)}}
     *
     * @throws IllegalStateException if the module is not an LSTM
     */
    public Tensor c() {
        if (module.config.mode() != Mode.LSTM) {
            throw new IllegalStateException("c(): only an LSTM stream has a cell state; this is a "
                    + module.torchName() + " stream");
        }
        return stack(module.config.hiddenSize(), true);
    }

    private Tensor stack(int width, boolean cell) {
        int layers = lanes.length;
        float[] v = new float[layers * batch * width];
        for (int k = 0; k < layers; k++) {
            System.arraycopy(cell ? lanes[k].c : lanes[k].h, 0, v, k * batch * width, batch * width);
        }
        return unbatched ? Tensor.of(v, layers, width) : Tensor.of(v, layers, batch, width);
    }

    @Override
    public String toString() {
        return "StreamState(" + module.torchName() + ", batch=" + (unbatched ? "unbatched" : batch) + ")";
    }
}
