using BenchmarkDotNet.Running;

namespace StreamHub.Benchmarks;

/// <summary>dotnet run -c Release --project benchmarks/StreamHub.Benchmarks -- --filter '*'</summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
