using BenchmarkDotNet.Running;

namespace StreamHub.Benchmarks;

/// <summary>dotnet run -c Release --project benchmarks/StreamHub.Benchmarks -- --filter '*'
/// (or <c>-- rtmpe-cpu</c>: <see cref="Rtmp.Encryption.RtmpeCpuTime"/>).</summary>
public static class Program
{
    public static void Main(string[] args)
    {
        if (args is ["rtmpe-cpu", ..])
        {
            Rtmp.Encryption.RtmpeCpuTime.Run();
            return;
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
