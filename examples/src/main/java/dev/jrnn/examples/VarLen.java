package dev.jrnn.examples;

import dev.jrnn.examples.Gospels.Translation;
import dev.jrnn.loss.CrossEntropyLoss;
import dev.jrnn.loss.LossOutput;
import dev.jrnn.nn.GRU;
import dev.jrnn.nn.Linear;
import dev.jrnn.nn.PackedRNNOutput;
import dev.jrnn.nn.PackedSequence;
import dev.jrnn.nn.Parameter;
import dev.jrnn.nn.RNNConfig;
import dev.jrnn.nn.RnnUtils;
import dev.jrnn.optim.Adam;
import dev.jrnn.tensor.Generator;
import dev.jrnn.tensor.Tensor;
import dev.jrnn.train.Trainer;
import dev.jrnn.train.TrainerConfig;
import dev.jrnn.train.TrainingListener;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Variable-length classification through packed sequences: whole verses (4 to 160 characters) are classified by
 * translation. Each batch of verses is packed ({@link RnnUtils#packSequence} with {@code enforceSorted = false},
 * any order) and run by a bidirectional GRU ({@link GRU#forwardPacked}): every verse behaves as if run alone, so
 * the forward direction ends at the verse's own last character and the reverse direction starts there. The head
 * reads the top layer's final states of both directions ({@link PackedRNNOutput#topFinalStates}), and the
 * gradient goes back through {@link PackedRNNOutput#backward}.
 */
@Command(name = "varlen", usageHelpWidth = 110, header = "Variable-length verses classified by translation (packed sequences, bidirectional GRU).",
        descriptionHeading = "%n", sortOptions = false, description = {
    "Variable-length classification: which translation is a whole verse from (KJV | WEB | Reina-Valera)?",
    "Verses are 4 to 160 characters (longer ones cut at 160). nn.GRU(58, H, bidirectional=True) + Linear(2H, 3).",
    "Each batch is packed (RnnUtils.packSequence, enforceSorted=false) and run by GRU.forwardPacked: every verse",
    "is processed as if alone, no padding is read, and the reverse direction starts at the verse's own last",
    "character. The head reads h_n of both directions (topFinalStates); training backpropagates through the",
    "packed forward. Prints accuracy by verse length.",
    "Defaults: --epochs 3, --hidden 64, Adam lr 0.003, batch 32, clip 1.", ""})
final class VarLen implements Callable<Integer> {

    static final int MAX_LENGTH = 160;
    static final int DEFAULT_EPOCHS = 3;
    static final int DEFAULT_HIDDEN = 64;

    @Mixin
    Options options = new Options();

    @Option(names = "--train", paramLabel = "N", description = "Training verses per translation (default: ${DEFAULT-VALUE}).")
    int trainPerClass = 1000;

    PrintStream out = System.out;

    /** What the job produced. */
    record Result(double valAccuracy, double[] bucketAccuracy, int[][] confusion) {
    }

    @Override
    public Integer call() throws IOException {
        run();
        return 0;
    }

    Result run() throws IOException {
        options.applyThreads();
        int epochs = options.epochs(DEFAULT_EPOCHS);
        int hidden = options.hidden(DEFAULT_HIDDEN);
        options.atLeast("--train", trainPerClass, 1);
        Generator g = new Generator(options.seed);
        List<int[]> tx = new ArrayList<>();
        List<Integer> ty = new ArrayList<>();
        List<int[]> vx = new ArrayList<>();
        List<Integer> vy = new ArrayList<>();
        for (Translation t : Translation.values()) {
            List<int[]> tr = new ArrayList<>();
            for (Gospels.Verse v : Gospels.verses(t)) {
                int[] c = Text.codes(v.text().length() > MAX_LENGTH ? v.text().substring(0, MAX_LENGTH) : v.text());
                if (v.validation()) {
                    vx.add(c);
                    vy.add(t.ordinal());
                } else {
                    tr.add(c);
                }
            }
            for (int i = 0; i < Math.min(trainPerClass, tr.size()); i++) {   // a random subset, without repeats
                int j = i + g.nextInt(tr.size() - i);
                int[] s = tr.get(i);
                tr.set(i, tr.get(j));
                tr.set(j, s);
                tx.add(tr.get(i));
                ty.add(t.ordinal());
            }
        }
        int[][] xs = tx.toArray(int[][]::new);
        int[] ys = ty.stream().mapToInt(Integer::intValue).toArray();
        int[][] vxs = vx.toArray(int[][]::new);
        int[] vys = vy.stream().mapToInt(Integer::intValue).toArray();

        GRU gru = model(hidden, options.seed);
        Linear head = new Linear(2 * hidden, 3, options.seed + 1);
        List<Parameter> params = new ArrayList<>(gru.parameters());
        params.addAll(head.parameters());
        Adam adam = new Adam(params, 3e-3);
        CrossEntropyLoss ce = CrossEntropyLoss.of();
        out.printf("jrnn examples: varlen — which translation is a whole verse from? (chance 33.3 %%)%n");
        out.printf("  nn.GRU(%d, %d, bidirectional=True) + Linear(%d, 3): %,d parameters; %,d training and %,d"
                + " validation verses, 4 to %d characters%n", Text.V, hidden, 2 * hidden,
                gru.numParameters() + head.numParameters(), xs.length, vxs.length, MAX_LENGTH);
        out.printf("  each batch is packed (no padding is read); the head reads the final states of both directions:"
                + "%n  forward at each verse's last character, reverse after its first (it starts at the last)%n%n");

        Trainer trainer = new Trainer(gru, adam, null, TrainerConfig.of(epochs, 32).withSeed(options.seed)
                .withClipGradNorm(1.0));
        Progress bar = new Progress(out, Progress.isTerminal(), "GRU", epochs);
        double[] val = {0, 0};
        trainer.addListener(new TrainingListener() {
            double rate;
            double eta;

            @Override
            public void onBatchEnd(BatchEnd e) {
                rate = e.examplesPerSecond();
                eta = e.etaSeconds();
                bar.batch(e.epoch(), e.batch(), e.batchesPerEpoch(), String.format("loss %.3f", e.loss()), rate, eta);
            }

            @Override
            public void onEpochEnd(EpochEnd e) {
                bar.epoch(e.epoch(), String.format("loss %.3f  val %.3f / %5.1f%%", e.trainLoss(), val[0], 100 * val[1]),
                        rate, eta);
            }
        });
        trainer.fit(xs.length, idx -> {
            PackedRNNOutput o = gru.forwardPacked(pack(xs, idx));
            Tensor f = o.topFinalStates();                       // (N, 2H): forward, then reverse; batch order
            LossOutput loss = ce.forward(head.forward(f), Segment.pick(ys, idx));
            Tensor gf = head.backward(f, loss.backward());
            o.backward(null, finalStatesGradient(gf, hidden));  // nothing reads the packed output itself
            return loss.item();
        }, () -> {
            double[] e = evaluate(gru, head, vxs, vys, null, null);
            val[0] = e[0];
            val[1] = e[1];
            return e[0];
        });
        bar.done("done");
        gru.eval();
        int[] edges = {0, 40, 80, 120, MAX_LENGTH + 1};
        double[] buckets = new double[edges.length - 1];
        int[][] confusion = new int[3][3];
        double[] e = evaluate(gru, head, vxs, vys, buckets, confusion);
        out.printf("%nvalidation accuracy %.1f %% by verse length:%n", 100 * e[1]);
        for (int i = 0; i < buckets.length; i++) {
            out.printf("  %3d-%3d characters  %5.1f %%%n", Math.max(4, edges[i]), edges[i + 1] - 1, 100 * buckets[i]);
        }
        out.printf("%nconfusion (rows: true translation, columns: predicted):%n  %-8s %8s %8s %8s%n", "", "KJV", "WEB",
                "RV1909");
        String[] names = {"KJV", "WEB", "RV1909"};
        for (int i = 0; i < 3; i++) {
            out.printf("  %-8s %8d %8d %8d%n", names[i], confusion[i][0], confusion[i][1], confusion[i][2]);
        }
        out.printf("(Spanish vs English is easy; the two English translations share most of their words, and a small"
                + " GRU%n trained this briefly separates them only partly.)%n");
        return new Result(e[1], buckets, confusion);
    }

    /** {@return the task's model: a one-layer bidirectional GRU over the one-hot characters} */
    static GRU model(int hidden, long seed) {
        return new GRU(RNNConfig.gru(Text.V, hidden).withBidirectional(true), seed);
    }

    /**
     * {@return the verses {@code idx} as one packed batch, in the given (unsorted) order: each verse a one-hot
     * {@code (L_i, V)} tensor, packed with {@code enforceSorted = false} so that {@code h_n} keeps this order}
     */
    static PackedSequence pack(int[][] xs, int[] idx) {
        List<Tensor> verses = new ArrayList<>(idx.length);
        for (int i : idx) {
            verses.add(Text.oneHot(xs[i]));
        }
        return RnnUtils.packSequence(verses, false);
    }

    /**
     * {@return {@code ∂loss/∂h_n} {@code (2, N, H)} of a one-layer bidirectional layer from the gradient of its
     * {@code topFinalStates()} {@code (N, 2H)}: h_n index 0 is the forward direction, 1 the reverse}
     */
    static Tensor finalStatesGradient(Tensor gradFeatures, int hidden) {
        return Tensor.stack(0, gradFeatures.narrow(1, 0, hidden), gradFeatures.narrow(1, hidden, hidden));
    }

    /**
     * {@return {loss, accuracy}}; fills per-length-bucket accuracy (edges 40, 80, 120) and the confusion matrix
     * {@code [true][predicted]} when they are not null
     */
    private static double[] evaluate(GRU gru, Linear head, int[][] xs, int[] ys, double[] buckets, int[][] confusion) {
        CrossEntropyLoss ce = CrossEntropyLoss.of();
        double loss = 0;
        double right = 0;
        double[] n = new double[4];
        double[] r = new double[4];
        for (int from = 0; from < xs.length; from += 128) {
            int[] idx = new int[Math.min(128, xs.length - from)];
            for (int i = 0; i < idx.length; i++) {
                idx[i] = from + i;
            }
            Tensor logits = head.forward(gru.forwardPacked(pack(xs, idx)).topFinalStates());
            int[] target = Segment.pick(ys, idx);
            loss += ce.forward(logits, target).item() * idx.length;
            float[] l = logits.toArray();
            for (int i = 0; i < idx.length; i++) {
                int best = 0;
                for (int k = 1; k < 3; k++) {
                    if (l[i * 3 + k] > l[i * 3 + best]) {
                        best = k;
                    }
                }
                int bucket = Math.min(3, xs[idx[i]].length / 40);
                if (confusion != null) {
                    confusion[target[i]][best]++;
                }
                n[bucket]++;
                if (best == target[i]) {
                    right++;
                    r[bucket]++;
                }
            }
        }
        if (buckets != null) {
            for (int i = 0; i < 4; i++) {
                buckets[i] = n[i] == 0 ? Double.NaN : r[i] / n[i];
            }
        }
        return new double[] {loss / xs.length, right / xs.length};
    }
}
