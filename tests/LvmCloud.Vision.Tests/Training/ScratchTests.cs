using LvmCloud.Vision.Tokenizer;
using LvmCloud.Vision.Training;
using static TorchSharp.torch;
namespace LvmCloud.Vision.Tests.Training;
public class ScratchTests {
  [Fact] public void Scratch() {
    var px = new byte[8*3*16*16];
    for (int i = 0; i < 8; i++) for (int y = 2+i%4; y < 8+i%4; y++) for (int x = 3; x < 9; x++) px[((i*3+0)*16+y)*16+x] = 200;
    var set = new ImageSet(px, 8, 16, 16);
    var xb = set.Batch([0,1,2,3,4,5,6,7]);
    manual_seed(11);
    using var m = new VqganModel(VqganPresets.Tiny);
    using var opt = optim.Adam(m.parameters(), 2e-3, 0.9, 0.99);
    m.train();
    for (int s = 0; s < 4; s++) {
      opt.zero_grad();
      var (r, cb, cm, codes) = m.ForwardWithLosses(xb);
      var loss = (r - xb).abs().mean() + cb + cm;
      Console.WriteLine($"step {s} loss {loss.item<float>()} cb {cb.item<float>()} r nan {r.isnan().any().item<bool>()}");
      loss.backward();
      foreach (var (name, p) in m.named_parameters())
        if (p.grad is not null && (p.grad.isnan().any().item<bool>())) Console.WriteLine($"nan grad step {s} {name}");
      opt.step();
      foreach (var (name, p) in m.named_parameters())
        if (p.isnan().any().item<bool>()) Console.WriteLine($"nan param step {s} {name}");
    }
    Assert.Fail("scratch");
  }
}
