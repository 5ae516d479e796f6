package dev.jrnn.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jrnn.TrainFixtures;
import dev.jrnn.io.SafetensorsFile;
import dev.jrnn.loss.CrossEntropyLoss;
import dev.jrnn.loss.LossOutput;
import dev.jrnn.nn.Linear;
import dev.jrnn.nn.RNN;
import dev.jrnn.nn.RNNConfig;
import dev.jrnn.nn.SequenceClassifier;
import dev.jrnn.optim.Adam;
import dev.jrnn.optim.ClipGrad;
import dev.jrnn.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * End to end against torch: the same initial weights and data, a bidirectional classifier trained 20 steps
 * with cross entropy, {@code clip_grad_norm_(1.0)} and Adam (lr 0.01); the loss and gradient-norm curves
 * must match torch's ({@code fixtures/train/e2e_rnn.safetensors}).
 */
class EndToEndTrainingTest {

    static int[] ints(long[] v) {
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (int) v[i];
        }
        return out;
    }

    static SequenceClassifier rnnClassifier(SafetensorsFile f) {
        int in = Integer.parseInt(f.metadata().get("input_size"));
        int h = Integer.parseInt(f.metadata().get("hidden_size"));
        int c = Integer.parseInt(f.metadata().get("num_classes"));
        SequenceClassifier model = new SequenceClassifier(
                new RNN(RNNConfig.rnn(in, h).withBidirectional(true), 1L), new Linear(2 * h, c, 2L));
        var sd = new java.util.LinkedHashMap<String, Tensor>();
        for (String k : model.namedParameters().keySet()) {
            sd.put(k, f.tensor(k));
        }
        model.loadStateDict(sd, true);
        return model;
    }

    static SequenceClassifier lstmClassifier(SafetensorsFile f) {
        int in = Integer.parseInt(f.metadata().get("input_size"));
        int h = Integer.parseInt(f.metadata().get("hidden_size"));
        int c = Integer.parseInt(f.metadata().get("num_classes"));
        SequenceClassifier model = new SequenceClassifier(
                new dev.jrnn.nn.LSTM(RNNConfig.lstm(in, h).withBidirectional(true), 1L), new Linear(2 * h, c, 2L));
        var sd = new java.util.LinkedHashMap<String, Tensor>();
        for (String k : model.namedParameters().keySet()) {
            sd.put(k, f.tensor(k));
        }
        model.loadStateDict(sd, true);
        return model;
    }

    @Test
    void lstmClassifierWithAdamAndClippingFollowsTorchsLossCurve() {
        SafetensorsFile f = TrainFixtures.load("e2e_lstm.safetensors");
        check("LSTM", f, lstmClassifier(f));
    }

    @Test
    void rnnClassifierWithAdamAndClippingFollowsTorchsLossCurve() {
        SafetensorsFile f = TrainFixtures.load("e2e_rnn.safetensors");
        check("RNN", f, rnnClassifier(f));
    }

    private static void check(String what, SafetensorsFile f, SequenceClassifier model) {
        Tensor x = f.tensor("input");
        int[] y = ints(f.longs("target"));
        int steps = Integer.parseInt(f.metadata().get("steps"));
        double maxNorm = Double.parseDouble(f.metadata().get("max_norm"));
        Adam opt = new Adam(model.parameters(), Double.parseDouble(f.metadata().get("lr")));
        CrossEntropyLoss ce = CrossEntropyLoss.of();
        float[] torchLoss = f.floats("loss");
        float[] torchNorm = f.floats("grad_norm");
        double worstLoss = 0;
        double worstNorm = 0;
        double[] losses = new double[steps];
        for (int s = 0; s < steps; s++) {
            opt.zeroGrad();
            SequenceClassifier.Output out = model.forward(x);
            LossOutput loss = ce.forward(out.logits(), y);
            out.backward(loss.backward());
            double norm = ClipGrad.clipGradNorm(model.parameters(), maxNorm);
            opt.step();
            losses[s] = loss.item();
            worstLoss = Math.max(worstLoss, Math.abs(loss.item() - torchLoss[s]) / torchLoss[s]);
            worstNorm = Math.max(worstNorm, Math.abs(norm - torchNorm[s]) / torchNorm[s]);
        }
        System.out.printf("EndToEnd %s+Adam+clip: %d steps, loss %.5f -> %.5f (torch %.5f -> %.5f); max rel diff loss %.2e,"
                + " grad norm %.2e%n", what, steps, losses[0], losses[steps - 1], torchLoss[0], torchLoss[steps - 1],
                worstLoss, worstNorm);
        assertThat(worstLoss).isLessThan(1e-4);
        assertThat(worstNorm).isLessThan(1e-4);
        assertThat(torchLoss[steps - 1]).isLessThan(torchLoss[0] / 3);
    }
}
