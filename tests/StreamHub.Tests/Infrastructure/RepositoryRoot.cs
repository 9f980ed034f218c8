namespace StreamHub.Tests.Infrastructure;

/// <summary>The clone the tests were built from: the first folder above the test binary that holds StreamHub.sln.
/// Tests find what .ci/run installs outside the build output (npm packages) from here.</summary>
public static class RepositoryRoot
{
    private static readonly Lazy<string> Root = new(() =>
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "StreamHub.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException($"No StreamHub.sln above {AppContext.BaseDirectory}: run the tests from a clone of the repository.");
    });

    public static string Folder => Root.Value;

    public static string Combine(params string[] parts) => System.IO.Path.Combine([Root.Value, .. parts]);
}
