package dev.jrnn.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jrnn.nn.GRU;
import dev.jrnn.nn.PackedRNNOutput;
import dev.jrnn.nn.PackedSequence;
import dev.jrnn.tensor.Tensor;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The other tasks on tiny settings: they run, learn something, and write their PNGs. */
class OtherTasksTest {

    @TempDir
    Path dir;

    @Test
    void forecastBeatsTheNaiveForecastAndPlots() throws Exception {
        AppTestSupport.Captured out = new AppTestSupport.Captured();
        Forecast f = AppTestSupport.parse(new Forecast(), "--epochs", "25", "--out", dir.toString());
        f.out = out.stream;
        Forecast.Result r = f.run();
        assertThat(r.rmse()).isLessThan(r.naiveRmse());
        BufferedImage img = AppTestSupport.image(r.png());
        assertThat(img.getWidth()).isEqualTo(1000);
        assertThat(img.getHeight()).isEqualTo(450);
    }

    @Test
    void charLmLossFallsAndSamplesAreText() throws Exception {
        AppTestSupport.Captured out = new AppTestSupport.Captured();
        CharLm c = AppTestSupport.parse(new CharLm(), "--epochs", "2", "--windows", "300", "--hidden", "32",
                "--out", dir.toString());
        c.out = out.stream;
        CharLm.Result r = c.run();
        assertThat(r.trainLosses().get(1)).isLessThan(r.trainLosses().get(0));
        assertThat(r.valLosses().get(1)).isLessThan(Math.log(Text.V));   // better than uniform guessing
        assertThat(r.samples()).hasSize(2).allSatisfy(s -> assertThat(s).hasSize(160));
        assertThat(AppTestSupport.image(r.png()).getWidth()).isEqualTo(800);
    }

    @Test
    void varLenClassifiesWholeVersesAboveChance() throws Exception {
        AppTestSupport.Captured out = new AppTestSupport.Captured();
        VarLen v = AppTestSupport.parse(new VarLen(), "--seed", "42", "--epochs", "1", "--train", "200", "--hidden",
                "32");
        v.out = out.stream;
        VarLen.Result r = v.run();
        // chance is 1/3; seed 42 on these settings reaches 0.682 (Spanish 625/658 right, KJV/WEB partly)
        assertThat(r.valAccuracy()).isGreaterThan(0.55);
        int[][] c = r.confusion();
        assertThat(c[2][2]).isGreaterThan(c[2][0] + c[2][1]);   // Spanish verses mostly recognised
        assertThat(out.text()).contains("bidirectional=True", "each batch is packed").doesNotContain("no packed");
    }

    /**
     * The app's batches really go through the packed engine: a batch of verses of different lengths, in unsorted
     * order, gives each verse the final states it has when run alone (both directions), and the backward through
     * the packed forward reaches the weights.
     */
    @Test
    void varLenPackedBatchEqualsEachVerseAlone() {
        int[][] verses = {Text.codes("and he said unto them, follow me."), Text.codes("jesus wept."),
            Text.codes("y les dijo: venid en pos de mi, y os hare pescadores de hombres."), Text.codes("amen.")};
        int[] idx = {1, 3, 0, 2};   // neither sorted by length nor in input order
        GRU gru = VarLen.model(8, 7L);
        gru.eval();
        PackedSequence p = VarLen.pack(verses, idx);
        assertThat(p.lengths()).containsExactly(11, 5, 33, 64);
        assertThat(p.sortedIndices()).containsExactly(3, 2, 0, 1);   // packed longest first, unsorted input
        assertThat(p.batchSizes()).hasSize(64);
        Tensor batch = gru.forwardPacked(p).topFinalStates();                  // (4, 16)
        for (int i = 0; i < idx.length; i++) {
            Tensor alone = gru.forwardUnbatched(Text.oneHot(verses[idx[i]])).topFinalStates();   // (16)
            assertThat(batch.select(0, i).allClose(alone, 0, 1e-6))
                    .as("verse %d: packed %s vs alone %s", idx[i], batch.select(0, i), alone).isTrue();
        }
        gru.train();
        PackedRNNOutput o = gru.forwardPacked(p);
        Tensor gradFeatures = Tensor.ones(idx.length, 16);
        o.backward(null, VarLen.finalStatesGradient(gradFeatures, 8));
        assertThat(gru.parameters()).allSatisfy(w -> assertThat(w.grad().abs().sum().item()).isGreaterThan(0f));
    }

    @Test
    void sameSeedSameNumbersWhateverTheThreadCount() throws Exception {
        double[] loss = new double[2];
        int before = dev.jrnn.tensor.Threads.count();
        try {
            for (int t = 1; t <= 2; t++) {
                AppTestSupport.Captured out = new AppTestSupport.Captured();
                Segment s = AppTestSupport.parse(new Segment(), "--epochs", "1", "--train", "60", "--hidden", "16",
                        "--threads", Integer.toString(t), "--out", dir.toString());
                s.out = out.stream;
                loss[t - 1] = s.run().runs().get(3).valLoss();
            }
        } finally {
            dev.jrnn.tensor.Threads.setCount(before);
        }
        assertThat(loss[1]).isEqualTo(loss[0]);
    }

    @Test
    void aBadSeriesIsOneLineAndExitTwo() throws Exception {
        Path csv = dir.resolve("bad.csv");
        java.nio.file.Files.writeString(csv, "year,value\n1700,5\n1701,eleven\n");
        RunTorchTest.assertOneLineError(AppTestSupport.runApp("forecast", "--series", csv.toString()),
                "error: " + csv + " line 3: expected year,value, got '1701,eleven'");
        RunTorchTest.assertOneLineError(AppTestSupport.runApp("forecast", "--series", dir.resolve("none.csv").toString()),
                "error: no such file: ");
    }

    @Test
    void checkTorchMatches() {
        AppTestSupport.Exit e = AppTestSupport.runApp("check-torch");
        assertThat(e.code()).isEqualTo(0);
        assertThat(e.out()).contains("MATCH");
    }
}
