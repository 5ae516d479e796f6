package dev.jrnn.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jrnn.TrainFixtures;
import dev.jrnn.io.SafetensorsFile;
import dev.jrnn.loss.CrossEntropyLoss;
import dev.jrnn.loss.LossOutput;
import dev.jrnn.nn.Linear;
import dev.jrnn.nn.Module;
import dev.jrnn.nn.Parameter;
import dev.jrnn.nn.RNN;
import dev.jrnn.nn.RNNOutput;
import dev.jrnn.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Per-step classification of padded sequences against torch ({@code fixtures/train/seq_labeling}): a
 * {@code Linear} on every step of an {@code RNN}'s output, cross entropy over {@code (L·N, C)} with
 * {@code ignore_index} at the padded steps and label smoothing; the loss and every parameter gradient.
 */
class SequenceLabelingTest {

    @Test
    void perStepLossWithIgnoredPaddingMatchesTorch() {
        SafetensorsFile f = TrainFixtures.load("seq_labeling.safetensors");
        RNN rnn = RNN.simpleRNN(3, 5);
        Linear head = new Linear(5, 4, 1L);
        load(rnn, "rnn.", f);
        load(head, "head.", f);
        Tensor x = f.tensor("input");
        long[] t = f.longs("target");
        int[] target = new int[t.length];
        for (int i = 0; i < t.length; i++) {
            target[i] = (int) t[i];
        }
        int steps = x.size(0);
        int batch = x.size(1);

        RNNOutput out = rnn.forward(x);                                    // (L, N, 5)
        Tensor logits = head.forward(out.output());                        // (L, N, 4)
        CrossEntropyLoss ce = CrossEntropyLoss.of().withLabelSmoothing(0.05);   // ignore_index -100
        LossOutput loss = ce.forward(logits.reshape(steps * batch, 4), target);
        Tensor gradLogits = loss.backward().view(steps, batch, 4);
        out.backward(head.backward(out.output(), gradLogits), null);

        float expected = f.tensor("loss").item();
        assertThat(Math.abs((double) loss.item() - expected) / expected).isLessThan(1e-6);
        double worst = 0;
        for (Map.Entry<String, Parameter> e : rnn.namedParameters().entrySet()) {
            worst = Math.max(worst, TrainFixtures.relErr(e.getValue().grad(), f.tensor("grad.rnn." + e.getKey()), 1e-3));
        }
        for (Map.Entry<String, Parameter> e : head.namedParameters().entrySet()) {
            worst = Math.max(worst, TrainFixtures.relErr(e.getValue().grad(), f.tensor("grad.head." + e.getKey()), 1e-3));
        }
        System.out.printf("SequenceLabeling: loss %.7f (torch %.7f), worst gradient rel err %.2e%n", loss.item(), expected,
                worst);
        assertThat(worst).isLessThan(1e-5);
    }

    private static void load(Module m, String prefix, SafetensorsFile f) {
        Map<String, Tensor> sd = new LinkedHashMap<>();
        for (String k : m.namedParameters().keySet()) {
            sd.put(k, f.tensor(prefix + k));
        }
        m.loadStateDict(sd, true);
    }
}
