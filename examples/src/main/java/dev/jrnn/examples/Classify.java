package dev.jrnn.examples;

import dev.jrnn.examples.Gospels.Translation;
import dev.jrnn.loss.CrossEntropyLoss;
import dev.jrnn.loss.LossOutput;
import dev.jrnn.nn.Linear;
import dev.jrnn.nn.RNN;
import dev.jrnn.nn.SequenceClassifier;
import dev.jrnn.optim.Adam;
import dev.jrnn.tensor.Generator;
import dev.jrnn.tensor.Tensor;
import dev.jrnn.train.Trainer;
import dev.jrnn.train.TrainerConfig;
import dev.jrnn.train.TrainingListener;
import dev.jrnn.train.TrainingResult;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.knowm.xchart.XYChart;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The default job: the four architectures people build first, trained side by side on one task, then
 * compared. The task: which translation of the Gospels does a window of 48 characters come from — the King
 * James Version (English, 1611/1769), the World English Bible (English, 2000) or the Reina-Valera (Spanish,
 * 1909)? A whole window is classified, so reading it in both directions is legitimate.
 */
@Command(name = "classify", sortOptions = false, showDefaultValues = false,
        description = {
            "The default job. Trains SimpleRNN, BiRNN, StackedRNN and StackedBiRNN (tanh, 2 layers when stacked) side",
            "by side on a real sequence task: which translation of the Gospels does a 48-character window come from?",
            "  KJV (English, 1611/1769) | WEB (English, 2000) | Reina-Valera (Spanish, 1909)   chance = 33.3 %",
            "Chapters divisible by 5 are held out for validation. Prints a live progress bar per model, then a",
            "comparison table, and writes the loss and accuracy curves to DIR/classify.png (1200 x 450).",
            "Defaults: --epochs 8, --hidden 64, Adam lr 0.003, batch 32, gradient norm clipped to 1.", ""})
final class Classify implements Callable<Integer> {

    static final int WIDTH = 1200;
    static final int HEIGHT = 450;

    @Mixin
    Options options = new Options();

    @Mixin
    Flags flags = new Flags();

    /** The task's own flags; the root command takes them too, so {@code examples/run --train 300} works. */
    static final class Flags {
        @Option(names = "--train", paramLabel = "N", description = "Training windows per translation (default:"
                + " ${DEFAULT-VALUE}; validation: a quarter as many).")
        int trainPerClass = 1200;

        @Option(names = "--window", paramLabel = "L", description = "Characters per window (default: ${DEFAULT-VALUE}).")
        int window = 48;

        @Option(names = "--lr", paramLabel = "RATE", description = "Adam learning rate (default: ${DEFAULT-VALUE}).")
        double lr = 3e-3;
    }

    private int window;

    PrintStream out = System.out;

    /** One trained architecture. */
    record Run(String name, String torch, long parameters, double seconds, double trainLoss, double trainAcc,
               double valLoss, double valAcc, List<Double> trainLosses, List<Double> valLosses,
               List<Double> trainAccs, List<Double> valAccs) {
    }

    /** What the job produced. */
    record Result(List<Run> runs, Path png, int[] pngSize) {
    }

    @Override
    public Integer call() throws IOException {
        run();
        return 0;
    }

    Result run() throws IOException {
        options.applyThreads();
        int epochs = options.epochs(8);
        int hidden = options.hidden(64);
        int trainPerClass = options.atLeast("--train", flags.trainPerClass, 1);
        window = options.atLeast("--window", flags.window, 2);
        int valPerClass = Math.max(50, trainPerClass / 4);

        Generator g = new Generator(options.seed);
        List<int[]> trainX = new ArrayList<>();
        List<int[]> valX = new ArrayList<>();
        List<Integer> trainY = new ArrayList<>();
        List<Integer> valY = new ArrayList<>();
        for (Translation t : Translation.values()) {
            List<Gospels.Verse> verses = Gospels.verses(t);
            sample(Text.codes(Gospels.joined(verses, false)), trainPerClass, g, trainX, trainY, t.ordinal());
            sample(Text.codes(Gospels.joined(verses, true)), valPerClass, g, valX, valY, t.ordinal());
        }
        int[][] xs = trainX.toArray(int[][]::new);
        int[] ys = trainY.stream().mapToInt(Integer::intValue).toArray();
        int[][] vxs = valX.toArray(int[][]::new);
        int[] vys = valY.stream().mapToInt(Integer::intValue).toArray();

        out.printf("jrnn examples: classify — which translation of the Gospels is a %d-character window from?%n", window);
        out.printf("  classes: %s | %s | %s  (chance 33.3 %%)%n", Translation.KJV.title, Translation.WEB.title,
                Translation.RV1909.title);
        out.printf("  data: %,d training and %,d validation windows (validation = every 5th chapter), one-hot over %d"
                + " characters%n", xs.length, vxs.length, Text.V);
        out.printf("  training: %d epochs, Adam lr 0.003, batch 32, clip 1.0, hidden %d, seed %d%n%n", epochs, hidden,
                options.seed);

        List<Spec> specs = List.of(
                new Spec("SimpleRNN", "nn.RNN(%d, %d)", () -> RNN.simpleRNN(Text.V, hidden)),
                new Spec("BiRNN", "nn.RNN(%d, %d, bidirectional=True)", () -> RNN.biRNN(Text.V, hidden)),
                new Spec("StackedRNN", "nn.RNN(%d, %d, num_layers=2)", () -> RNN.stackedRNN(Text.V, hidden, 2)),
                new Spec("StackedBiRNN", "nn.RNN(%d, %d, num_layers=2, bidirectional=True)",
                        () -> RNN.stackedBiRNN(Text.V, hidden, 2)));
        List<Run> runs = new ArrayList<>();
        boolean live = Progress.isTerminal();
        for (int i = 0; i < specs.size(); i++) {
            Spec s = specs.get(i);
            runs.add(train(s, options.seed + i, epochs, xs, ys, vxs, vys, new Progress(out, live, s.name, epochs)));
        }

        out.println();
        table(runs, hidden);
        Path png = options.out.resolve("classify.png");
        int[] size = plot(runs, png);
        out.printf("%nloss and accuracy curves: %s (%d x %d PNG)%n", png.toAbsolutePath().normalize(), size[0], size[1]);
        return new Result(runs, png, size);
    }

    private record Spec(String name, String torch, Supplier<RNN> rnn) {
    }

    private Run train(Spec spec, long seed, int epochs, int[][] xs, int[] ys, int[][] vxs, int[] vys, Progress bar)
            throws IOException {
        RNN rnn = spec.rnn.get();
        rnn = new RNN(rnn.config(), seed);
        int features = rnn.config().numDirections() * rnn.config().hiddenSize();
        SequenceClassifier model = new SequenceClassifier(rnn, new Linear(features, 3, seed + 1000));
        Adam adam = new Adam(model.parameters(), flags.lr);
        CrossEntropyLoss ce = CrossEntropyLoss.of();
        Trainer trainer = new Trainer(model, adam, null,
                TrainerConfig.of(epochs, 32).withSeed(seed).withClipGradNorm(1.0));

        List<Double> trainAccs = new ArrayList<>();
        List<Double> valAccs = new ArrayList<>();
        double[] epochCorrect = {0, 0};   // correct, seen (this epoch)
        double[] epochLoss = {0};
        double[] val = {0, 0};            // loss, accuracy of the last evaluation
        trainer.addListener(new TrainingListener() {
            @Override
            public void onBatchEnd(BatchEnd e) {
                bar.batch(e.epoch(), e.batch(), e.batchesPerEpoch(), String.format("loss %.3f  acc %5.1f%%",
                        epochLoss[0] / epochCorrect[1], 100 * epochCorrect[0] / epochCorrect[1]),
                        e.examplesPerSecond(), e.etaSeconds());
                rate = e.examplesPerSecond();
                eta = e.etaSeconds();
            }

            double rate;
            double eta;

            @Override
            public void onEpochEnd(EpochEnd e) {
                double acc = epochCorrect[0] / epochCorrect[1];
                trainAccs.add(acc);
                valAccs.add(val[1]);
                bar.epoch(e.epoch(), String.format("loss %.3f  acc %5.1f%%  val %.3f / %5.1f%%", e.trainLoss(),
                        100 * acc, val[0], 100 * val[1]), rate, eta);
                epochCorrect[0] = 0;
                epochCorrect[1] = 0;
                epochLoss[0] = 0;
            }
        });
        long t0 = System.nanoTime();
        TrainingResult r = trainer.fit(xs.length, idx -> {
            SequenceClassifier.Output o = model.forward(Text.oneHot(xs, idx, window));
            int[] target = pick(ys, idx);
            LossOutput loss = ce.forward(o.logits(), target);
            o.backward(loss.backward());
            epochCorrect[0] += correct(o.logits(), target);
            epochCorrect[1] += idx.length;
            epochLoss[0] += loss.item() * idx.length;
            return loss.item();
        }, () -> {
            double[] e = evaluate(model, vxs, vys);
            val[0] = e[0];
            val[1] = e[1];
            return e[0];
        });
        double seconds = (System.nanoTime() - t0) * 1e-9;
        int last = r.epochs() - 1;
        Run run = new Run(spec.name, String.format(spec.torch, Text.V, rnn.config().hiddenSize()), model.numParameters(),
                seconds, r.trainLosses().get(last), trainAccs.get(last), r.evalLosses().get(last), valAccs.get(last),
                r.trainLosses(), r.evalLosses(), List.copyOf(trainAccs), List.copyOf(valAccs));
        bar.done(String.format("done in %5.1f s   train %.3f / %5.1f%%   val %.3f / %5.1f%%", seconds, run.trainLoss,
                100 * run.trainAcc, run.valLoss, 100 * run.valAcc));
        return run;
    }

    /** {@return {mean loss, accuracy} over a data set, batches of 256, the model in eval mode} */
    private double[] evaluate(SequenceClassifier model, int[][] xs, int[] ys) {
        CrossEntropyLoss ce = CrossEntropyLoss.of();
        double loss = 0;
        double right = 0;
        for (int from = 0; from < xs.length; from += 256) {
            int[] idx = new int[Math.min(256, xs.length - from)];
            for (int i = 0; i < idx.length; i++) {
                idx[i] = from + i;
            }
            Tensor logits = model.forward(Text.oneHot(xs, idx, window)).logits();
            int[] target = pick(ys, idx);
            loss += ce.forward(logits, target).item() * idx.length;
            right += correct(logits, target);
        }
        return new double[] {loss / xs.length, right / xs.length};
    }

    private void sample(int[] text, int count, Generator g, List<int[]> xs, List<Integer> ys, int label) {
        for (int i = 0; i < count; i++) {
            int start = g.nextInt(text.length - window);
            int[] w = new int[window];
            System.arraycopy(text, start, w, 0, window);
            xs.add(w);
            ys.add(label);
        }
    }

    static int[] pick(int[] values, int[] idx) {
        int[] out = new int[idx.length];
        for (int i = 0; i < idx.length; i++) {
            out[i] = values[idx[i]];
        }
        return out;
    }

    /** {@return how many rows of {@code (N, C)} logits have their maximum at the target} */
    static int correct(Tensor logits, int[] target) {
        float[] l = logits.contiguous().toArray();
        int c = logits.size(1);
        int right = 0;
        for (int n = 0; n < target.length; n++) {
            int best = 0;
            for (int k = 1; k < c; k++) {
                if (l[n * c + k] > l[n * c + best]) {
                    best = k;
                }
            }
            right += best == target[n] ? 1 : 0;
        }
        return right;
    }

    private void table(List<Run> runs, int hidden) {
        out.printf("%-13s %-48s %10s %9s %17s %17s%n", "model", "PyTorch equivalent", "parameters", "train time",
                "train loss / acc", "val loss / acc");
        for (Run r : runs) {
            out.printf("%-13s %-48s %,10d %8.1fs %8.3f / %5.1f%% %8.3f / %5.1f%%%n", r.name, r.torch, r.parameters,
                    r.seconds, r.trainLoss, 100 * r.trainAcc, r.valLoss, 100 * r.valAcc);
        }
        out.printf("(each with a Linear(D·%d, 3) head on the top layer's final states; train = mean over the last"
                + " epoch)%n", hidden);
    }

    private static int[] plot(List<Run> runs, Path png) throws IOException {
        XYChart loss = Charts.chart(WIDTH / 2, HEIGHT, "Cross-entropy loss", "epoch", "loss");
        XYChart acc = Charts.chart(WIDTH / 2, HEIGHT, "Accuracy (chance 33.3 %)", "epoch", "accuracy %");
        acc.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideSE);
        for (int i = 0; i < runs.size(); i++) {
            Run r = runs.get(i);
            Charts.addCurves(loss, new Charts.Curve(r.name, r.trainLosses, r.valLosses), i, 1);
            Charts.addCurves(acc, new Charts.Curve(r.name, r.trainAccs, r.valAccs), i, 100);
        }
        return Charts.writeRow(png, loss, acc);
    }
}
