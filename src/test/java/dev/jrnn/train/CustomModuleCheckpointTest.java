package dev.jrnn.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jrnn.loss.CrossEntropyLoss;
import dev.jrnn.loss.LossOutput;
import dev.jrnn.nn.Dropout;
import dev.jrnn.nn.Embedding;
import dev.jrnn.nn.Linear;
import dev.jrnn.nn.Module;
import dev.jrnn.nn.RNN;
import dev.jrnn.nn.RNNConfig;
import dev.jrnn.nn.SequenceClassifier;
import dev.jrnn.optim.AdamW;
import dev.jrnn.optim.StepLR;
import dev.jrnn.tensor.Generator;
import dev.jrnn.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user-defined module (tokens → Embedding → Dropout → RNN classifier) composed with
 * {@code registerChild}: names, gradients down to the embedding, and a checkpoint round trip that continues
 * bit for bit (dropout generator included).
 */
class CustomModuleCheckpointTest {

    static final class Tagger extends Module {
        final Embedding emb;
        final Dropout drop;
        final SequenceClassifier clf;

        Tagger(long seed) {
            Generator g = new Generator(seed);
            emb = registerChild("emb", new Embedding(10, 4, 0, g));
            drop = registerChild("drop", new Dropout(0.2, g.nextLong()));
            clf = registerChild("clf", new SequenceClassifier(new RNN(RNNConfig.rnn(4, 6), g), new Linear(6, 3, g)));
        }

        /** One step on tokens {@code (L, N)}; returns the loss. */
        double step(int[] tokens, int len, int batch, int[] y) {
            Tensor e = emb.forward(tokens, len, batch);
            Tensor d = drop.forward(e);
            SequenceClassifier.Output out = clf.forward(d);
            LossOutput loss = CrossEntropyLoss.of().forward(out.logits(), y);
            emb.backward(tokens, drop.backward(out.backward(loss.backward())));
            return loss.item();
        }
    }

    private static final int[] TOKENS = {1, 2, 3, 0, 4, 5, 6, 0, 7, 8, 9, 0};  // (L=4, N=3) time-major
    private static final int[] Y = {0, 2, 1};

    @Test
    void namesGradientsAndCheckpointOfAComposedModule(@TempDir Path dir) throws IOException {
        Tagger a = new Tagger(1);
        assertThat(a.stateDict().keySet()).containsExactly("emb.weight", "clf.rnn.weight_ih_l0", "clf.rnn.weight_hh_l0",
                "clf.rnn.bias_ih_l0", "clf.rnn.bias_hh_l0", "clf.head.weight", "clf.head.bias");
        assertThat(a.generators()).containsOnlyKeys("drop.dropout", "clf.rnn.dropout");
        AdamW opt = new AdamW(a.parameters(), 0.01);
        StepLR sched = new StepLR(opt, 2, 0.5);
        for (int i = 0; i < 3; i++) {
            opt.zeroGrad();
            a.step(TOKENS, 4, 3, Y);
            opt.step();
            sched.step();
        }
        float[] embGrad = a.emb.namedParameters().get("weight").grad().toArray();
        assertThat(embGrad).as("the padding row gets no gradient").startsWith(0f, 0f, 0f, 0f);
        assertThat(Math.abs(embGrad[4]) + Math.abs(embGrad[5]) + Math.abs(embGrad[6]) + Math.abs(embGrad[7]))
                .as("row 1 gets one").isPositive();

        Path ckpt = dir.resolve("tagger.safetensors");
        Checkpoint.save(ckpt, a, opt, sched, Map.of(), 3, Map.of("note", "x"));
        double[] expected = new double[3];
        for (int i = 0; i < 3; i++) {
            opt.zeroGrad();
            expected[i] = a.step(TOKENS, 4, 3, Y);
            opt.step();
            sched.step();
        }

        Tagger b = new Tagger(2);
        AdamW optB = new AdamW(b.parameters(), 0.5);
        StepLR schedB = new StepLR(optB, 2, 0.5);
        Checkpoint.Loaded loaded = Checkpoint.load(ckpt, b, optB, schedB, Map.of());
        assertThat(loaded.epoch()).isEqualTo(3);
        assertThat(loaded.extra()).containsEntry("note", "x");
        for (int i = 0; i < 3; i++) {
            optB.zeroGrad();
            assertThat(b.step(TOKENS, 4, 3, Y)).isEqualTo(expected[i]);
            optB.step();
            schedB.step();
        }
        assertThat(optB.lr()).isEqualTo(opt.lr());
    }
}
