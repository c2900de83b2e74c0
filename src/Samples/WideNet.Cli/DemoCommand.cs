using System.CommandLine;
using System.Diagnostics;
using Microsoft.ML.WideNet.Nn;
using Microsoft.ML.WideNet.Vision;
using WideNet.Torch;
using WideNet.Torch.Optim;
using WideNet.Torch.Serialization;
using F = WideNet.Torch.torch.nn.functional;

namespace WideNet.Cli;

/// <summary>`widenet demo`: trains a small network on the full Fashion-MNIST train set and evaluates it on the
/// full test set (an MLP through the binding, until the WideNet estimators land).</summary>
internal static class DemoCommand
{
    internal static Command Create()
    {
        var epochs = new Option<int>("--epochs") { Description = "training epochs", DefaultValueFactory = _ => 5 };
        var output = new Option<string>("--out") { Description = "where the weights are saved", DefaultValueFactory = _ => "artifacts/demo/mlp.safetensors" };
        var cmd = new Command("demo", "train and evaluate a model on Fashion-MNIST (CPU)") { epochs, output };
        cmd.SetAction(r => Run(r.GetValue(epochs), r.GetValue(output)!));
        return cmd;
    }

    sealed class Mlp : Module
    {
        readonly Linear fc1, fc2;
        public Mlp(Generator g)
        {
            fc1 = RegisterModule("fc1", new Linear(784, 256, generator: g));
            fc2 = RegisterModule("fc2", new Linear(256, 10, generator: g));
        }
        public Tensor forward(Tensor x) => fc2.forward(F.dropout(fc1.forward(x).relu(), 0.1, training));
    }

    static Tensor Pixels(IdxReader.IdxArray images, int start, int count)
    {
        using var bytes = torch.tensor<byte>(images.Data.AsSpan(start * 784, count * 784), new long[] { count, 784 });
        return (bytes.to(ScalarType.Float32) / 255.0 - 0.2860) / 0.3530;
    }

    static int Run(int epochs, string output)
    {
        torch.manual_seed(0);
        var (trainX, trainY) = IdxReader.LoadFashionMnist(train: true);
        var (testX, testY) = IdxReader.LoadFashionMnist(train: false);
        Console.WriteLine($"Fashion-MNIST: {trainY.Length} training and {testY.Length} test images, {torch.get_num_threads()} threads, LibTorch {torch.version}");
        using var g = new Generator(0);
        using var model = new Mlp(g);
        using var opt = new AdamW(model.parameters(), lr: 1e-3, weight_decay: 1e-4);
        const int batch = 128;
        var n = trainY.Length;
        using var allX = Pixels(trainX, 0, n).DetachFromDisposeScope();
        using var allY = torch.tensor(trainY).to(ScalarType.Int64).DetachFromDisposeScope();
        var sw = Stopwatch.StartNew();
        for (var epoch = 1; epoch <= epochs; epoch++)
        {
            model.train();
            using var perm = torch.randperm(n, g);
            var order = perm.ToArray<long>();
            double lossSum = 0;
            var steps = 0;
            for (var s = 0; s + batch <= n; s += batch, steps++)
            {
                using var scope = torch.NewDisposeScope();
                var idx = torch.tensor(order.AsSpan(s, batch).ToArray());
                var x = allX.index_select(0, idx);
                var y = allY.index_select(0, idx);
                var loss = F.cross_entropy(model.forward(x), y);
                opt.zero_grad();
                loss.backward();
                opt.step();
                lossSum += loss.item<float>();
            }
            Console.WriteLine($"epoch {epoch}/{epochs}  loss {lossSum / steps:F4}  {(double)epoch * n / sw.Elapsed.TotalSeconds:F0} img/s");
        }
        model.eval();
        var correct = 0L;
        using (torch.inference_mode())
        using (var scope = torch.NewDisposeScope())
        {
            var x = Pixels(testX, 0, testY.Length);
            var y = torch.tensor(testY).to(ScalarType.Int64);
            correct = model.forward(x).argmax(1).eq(y).sum().item<long>();
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        Safetensors.Save(output, model.state_dict());
        Console.WriteLine($"saved {output}");
        Console.WriteLine($"test accuracy: {(double)correct / testY.Length:F4}");
        return 0;
    }
}
