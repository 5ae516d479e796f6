package dev.jrnn.bench;

import dev.jrnn.nn.GRU;
import dev.jrnn.nn.LSTM;
import dev.jrnn.nn.Mode;
import dev.jrnn.nn.RNN;
import dev.jrnn.nn.RNNBase;
import dev.jrnn.nn.RNNConfig;

/**
 * The rows of the benchmark matrix ({@code shared/bench/configs.md}); {@code tools/benchlib.py}
 * holds the same table for the torch side.
 *
 * @param name the row id
 * @param mode RNN_TANH, RNN_RELU, LSTM or GRU
 * @param seqLen T
 * @param batch N
 * @param inputSize I
 * @param hiddenSize H
 * @param layers number of layers
 * @param bidirectional whether both directions run
 */
record Rows(String name, Mode mode, int seqLen, int batch, int inputSize, int hiddenSize, int layers,
            boolean bidirectional) {

    /** Every row, in the order of configs.md. */
    static final Rows[] ALL = {
        new Rows("rnn512", Mode.RNN_TANH, 50, 64, 512, 512, 1, false),
        new Rows("rnn512x2bi", Mode.RNN_TANH, 50, 64, 512, 512, 2, true),
        new Rows("deepbench1760", Mode.RNN_RELU, 25, 16, 1760, 1760, 1, false),
        new Rows("latency128", Mode.RNN_TANH, 100, 1, 128, 128, 1, false),
        new Rows("rnn256x2bi", Mode.RNN_TANH, 50, 32, 256, 256, 2, true),
        new Rows("lstm512", Mode.LSTM, 50, 64, 512, 512, 1, false),
        new Rows("gru512", Mode.GRU, 50, 64, 512, 512, 1, false),
        new Rows("lstm256lat", Mode.LSTM, 150, 1, 256, 256, 1, false),
        new Rows("tiny", Mode.RNN_TANH, 128, 16, 5, 7, 4, true),
    };

    /** {@return the row called {@code name}} */
    static Rows of(String name) {
        for (Rows r : ALL) {
            if (r.name.equals(name)) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown benchmark row " + name);
    }

    /** {@return the module of this row, initialised from {@code seed}} */
    RNNBase module(long seed) {
        RNNConfig c = RNNConfig.of(mode, inputSize, hiddenSize).withNumLayers(layers).withBidirectional(bidirectional);
        return switch (mode) {
            case RNN_TANH, RNN_RELU -> new RNN(c, seed);
            case LSTM -> new LSTM(c, seed);
            case GRU -> new GRU(c, seed);
        };
    }

    /** {@return forward FLOPs: 2·G·N·T·(I_layer + H) summed over layers and directions} */
    double forwardFlops() {
        int g = switch (mode) {
            case LSTM -> 4 * hiddenSize;
            case GRU -> 3 * hiddenSize;
            default -> hiddenSize;
        };
        int dirs = bidirectional ? 2 : 1;
        double f = 0;
        for (int l = 0; l < layers; l++) {
            int in = l == 0 ? inputSize : dirs * hiddenSize;
            f += dirs * 2.0 * g * batch * seqLen * (in + hiddenSize);
        }
        return f;
    }
}
