package dev.jrnn.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jrnn.io.Safetensors;
import dev.jrnn.io.SafetensorsFile;
import dev.jrnn.nn.SequenceClassifier;
import dev.jrnn.optim.Adam;
import dev.jrnn.optim.CosineAnnealingLR;
import dev.jrnn.optim.ReduceLROnPlateau;
import dev.jrnn.optim.SGD;
import dev.jrnn.tensor.Generator;
import dev.jrnn.tensor.Tensor;
import dev.jrnn.tensor.Threads;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The training loop: kill-and-resume gives the uninterrupted run's loss curve and weights bit for bit,
 * one seed makes a run (with dropout and shuffling) deterministic, the thread count does not matter, early
 * stopping, listeners.
 */
class TrainerTest {

    private static final int N = KillableRun.N;
    private static final int EPOCHS = KillableRun.EPOCHS;

    /** A run's objects; {@code initSeed} sets the initial weights and the dropout generator's seed. */
    private static final class Run {
        final SequenceClassifier model;
        final Adam opt;
        final CosineAnnealingLR sched;
        final Trainer trainer;
        private final KillableRun run;

        Run(long initSeed, TrainerConfig config) {
            run = new KillableRun(initSeed, config, 0);
            model = run.model;
            opt = run.opt;
            sched = run.sched;
            trainer = run.trainer;
        }

        TrainingResult fit() throws IOException {
            return run.fit();
        }

        float[][] weights() {
            return run.weights();
        }
    }

    private static Tensor batch(int[] idx) {
        return KillableRun.batch(idx);
    }

    private static TrainerConfig config() {
        return KillableRun.config();
    }

    @Test
    void killAndResumeGivesTheUninterruptedRunBitForBit(@TempDir Path dir) throws IOException {
        Run uninterrupted = new Run(3, config());
        TrainingResult full = uninterrupted.fit();

        Path ckpt = dir.resolve("run.safetensors");
        Run killed = new Run(3, config().withCheckpoint(ckpt));
        killed.trainer.addListener(new TrainingListener() {
            @Override
            public void onBatchEnd(BatchEnd e) {
                if (e.epoch() == 4 && e.batch() == 2) {
                    throw new IllegalStateException("simulated kill");
                }
            }
        });
        assertThatThrownBy(killed::fit).hasMessage("simulated kill");
        Run probe = new Run(9, config());
        assertThat(Checkpoint.load(ckpt, probe.model, probe.opt, probe.sched, Map.of("shuffle", new Generator(0))).epoch())
                .isEqualTo(3);

        // a new process: other initial weights and dropout seed, all restored from the checkpoint
        Run resumed = new Run(99, config().withCheckpoint(ckpt));
        List<Integer> epochsSeen = new ArrayList<>();
        resumed.trainer.addListener(new TrainingListener() {
            @Override
            public void onEpochEnd(EpochEnd e) {
                epochsSeen.add(e.epoch());
            }
        });
        TrainingResult r = resumed.fit();
        assertThat(epochsSeen).containsExactly(4, 5, 6);
        assertThat(r.trainLosses()).isEqualTo(full.trainLosses());
        assertThat(r.evalLosses()).isEqualTo(full.evalLosses());
        float[][] a = uninterrupted.weights();
        float[][] b = resumed.weights();
        for (int i = 0; i < a.length; i++) {
            assertThat(b[i]).isEqualTo(a[i]);
        }
        assertThat(resumed.opt.lr()).isEqualTo(uninterrupted.opt.lr());
        assertThat(full.trainLosses().get(EPOCHS - 1)).isLessThan(full.trainLosses().get(0));
        System.out.printf("TrainerTest: train loss %s, eval loss %s%n", full.trainLosses(), full.evalLosses());
    }

    /**
     * A real kill: the run trains in a child JVM (same SIMD flags) and gets {@code SIGKILL} after its
     * third epoch, wherever it is (possibly writing the checkpoint); the resumed run must still end with
     * the uninterrupted run's history and weights.
     */
    @Test
    void sigkillInAChildJvmAndResumeGivesTheUninterruptedRun(@TempDir Path dir) throws Exception {
        Path ckpt = dir.resolve("run.safetensors");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()) {
            cmd.addAll(List.of("--add-modules", "jdk.incubator.vector"));
        }
        if (System.getProperty("jrnn.simd") != null) {
            cmd.add("-Djrnn.simd=" + System.getProperty("jrnn.simd"));
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), KillableRun.class.getName(), ckpt.toString(), "15"));
        Process child = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        List<String> lines = new ArrayList<>();
        try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(child.getInputStream()))) {
            String line;
            while ((line = in.readLine()) != null) {
                lines.add(line);
                if (line.equals("epoch 3")) {
                    Thread.sleep(40);                   // into epoch 4 (a batch takes >= 15 ms)
                    child.destroyForcibly();             // SIGKILL
                    break;
                }
            }
        }
        assertThat(child.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(lines).as("child output").contains("epoch 3").doesNotContain("done");
        assertThat(Files.exists(ckpt)).isTrue();

        Run resumed = new Run(99, config().withCheckpoint(ckpt));
        TrainingResult r = resumed.fit();
        Run uninterrupted = new Run(3, config());
        TrainingResult full = uninterrupted.fit();
        assertThat(r.trainLosses()).isEqualTo(full.trainLosses());
        float[][] a = uninterrupted.weights();
        float[][] b = resumed.weights();
        for (int i = 0; i < a.length; i++) {
            assertThat(b[i]).isEqualTo(a[i]);
        }
    }

    @Test
    void oneSeedMakesTheRunDeterministic() throws IOException {
        TrainingResult a = new Run(3, config()).fit();
        TrainingResult b = new Run(3, config()).fit();
        assertThat(b.trainLosses()).isEqualTo(a.trainLosses());
        assertThat(b.evalLosses()).isEqualTo(a.evalLosses());
        TrainingResult otherShuffle = new Run(3, config().withSeed(6)).fit();
        assertThat(otherShuffle.trainLosses()).isNotEqualTo(a.trainLosses());
        TrainingResult otherDropout = new Run(4, config()).fit();
        assertThat(otherDropout.trainLosses()).isNotEqualTo(a.trainLosses());
    }

    /**
     * Hidden size 256 and batches of 20 make the GEMMs of the forward, the backward and the evaluation
     * large enough ({@code >= 2^21} flops) to be split across threads.
     */
    @Test
    void theThreadCountDoesNotChangeAnyBit() throws IOException {
        int threads = Threads.count();
        TrainerConfig cfg = TrainerConfig.of(2, 20).withSeed(5).withClipGradNorm(1.0);
        try {
            Threads.setCount(1);
            KillableRun one = new KillableRun(3, cfg, 0, 256);
            TrainingResult r1 = one.fit();
            Threads.setCount(3);
            KillableRun three = new KillableRun(3, cfg, 0, 256);
            TrainingResult r3 = three.fit();
            assertThat(r3.trainLosses()).isEqualTo(r1.trainLosses());
            assertThat(r3.evalLosses()).isEqualTo(r1.evalLosses());
            float[][] a = one.weights();
            float[][] b = three.weights();
            for (int i = 0; i < a.length; i++) {
                assertThat(b[i]).isEqualTo(a[i]);
            }
        } finally {
            Threads.setCount(threads);
        }
    }

    @Test
    void checkpointHoldsEveryPartAndRejectsAMismatchedOptimizer(@TempDir Path dir) throws IOException {
        Run run = new Run(3, TrainerConfig.of(1, 8).withCheckpoint(dir.resolve("c.safetensors")));
        run.fit();
        SafetensorsFile f = Safetensors.read(dir.resolve("c.safetensors"));
        assertThat(f.names()).contains("model.rnn.weight_ih_l0", "model.head.weight", "optimizer.state.0.exp_avg",
                "rng.model.rnn.dropout", "rng.shuffle");
        assertThat(f.metadata()).containsEntry("format", Checkpoint.FORMAT).containsEntry("epoch", "1")
                .containsEntry("optimizer.class", "Adam").containsEntry("scheduler.class", "CosineAnnealingLR")
                .containsEntry("scheduler.last_epoch", "1").containsKey("optimizer.lr");
        Run other = new Run(3, TrainerConfig.of(1, 8));
        SGD sgd = new SGD(other.model.parameters(), 0.1);
        assertThatThrownBy(() -> Checkpoint.load(dir.resolve("c.safetensors"), other.model, sgd, null, Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("optimizer is Adam, got SGD");
        // a generator the file lacks: rejected, and nothing changed
        float[] before = other.model.parameters().get(0).data().toArray();
        double lrBefore = other.opt.lr();
        assertThatThrownBy(() -> Checkpoint.load(dir.resolve("c.safetensors"), other.model, other.opt, other.sched,
                Map.of("noise", new Generator(1)))).hasMessageContaining("rng.noise");
        assertThat(other.model.parameters().get(0).data().toArray()).isEqualTo(before);
        assertThat(other.opt.lr()).isEqualTo(lrBefore);
        // objects that fit: loaded (one epoch of 40 examples in batches of 8 = 5 steps)
        Checkpoint.load(dir.resolve("c.safetensors"), other.model, other.opt, other.sched, Map.of());
        assertThat(other.opt.stepCount()).isEqualTo(5);
        try (var s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("c.safetensors");  // no temporary left
        }
    }

    @Test
    void reduceLROnPlateauIsSteppedWithTheEvaluationLoss() throws IOException {
        KillableRun base = new KillableRun(3, TrainerConfig.of(5, 40), 0);
        ReduceLROnPlateau plateau = new ReduceLROnPlateau(base.opt, ReduceLROnPlateau.Mode.MIN, 0.5, 1, 1e-4,
                ReduceLROnPlateau.ThresholdMode.REL, 0, 0, 1e-8);
        Trainer trainer = new Trainer(base.model, base.opt, plateau, TrainerConfig.of(5, 40));
        List<Double> lrs = new ArrayList<>();
        trainer.addListener(new TrainingListener() {
            @Override
            public void onEpochEnd(EpochEnd e) {
                lrs.add(e.lr());
            }
        });
        trainer.fit(N, idx -> {
            base.model.forward(batch(idx)).backward(Tensor.zeros(idx.length, 2));
            return 1.0;
        }, () -> 1.0);                                  // never improves after epoch 1
        assertThat(lrs).containsExactly(0.02, 0.02, 0.01, 0.01, 0.005);
        assertThatThrownBy(() -> new Trainer(base.model, new SGD(base.model.parameters(), 0.1), plateau,
                TrainerConfig.of(1, 1))).hasMessageContaining("another optimizer");
    }

    @Test
    void earlyStoppingStopsAfterPatienceAndListenersSeeProgress() throws IOException {
        Run run = new Run(3, TrainerConfig.of(20, 16).withEarlyStopping(2, 0.0));
        List<TrainingListener.BatchEnd> batches = new ArrayList<>();
        run.trainer.addListener(new TrainingListener() {
            @Override
            public void onBatchEnd(BatchEnd e) {
                batches.add(e);
            }
        });
        double[] evalLoss = {1.0, 0.9, 0.95, 0.97, 0.5};
        int[] calls = {0};
        TrainingResult r = run.trainer.fit(N, idx -> {
            SequenceClassifier.Output out = run.model.forward(batch(idx));
            out.backward(Tensor.zeros(idx.length, 2));
            return 1.0;
        }, () -> evalLoss[calls[0]++]);
        assertThat(r.stoppedEarly()).isTrue();
        assertThat(r.epochs()).isEqualTo(4);
        assertThat(r.bestEpoch()).isEqualTo(2);
        assertThat(r.bestEvalLoss()).isEqualTo(0.9);
        assertThat(batches).hasSize(4 * 3);
        assertThat(batches.get(0).batchesPerEpoch()).isEqualTo(3);
        assertThat(batches.get(0).examplesPerSecond()).isPositive();
        assertThat(batches.get(11).etaSeconds()).isGreaterThanOrEqualTo(0);
    }
}
