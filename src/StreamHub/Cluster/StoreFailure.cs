using System.Data.Common;

namespace StreamHub.Cluster;

/// <summary>Which exceptions mean "the database is not answering" (as opposed to a bug): the publish path refuses
/// with a clear error on these and lets anything else through to the connection handler.</summary>
public static class StoreFailure
{
    public static bool Is(Exception ex) => ex switch
    {
        DbException or TimeoutException => true,
        // EF wraps a provider failure in these when it happens while it opens or reads.
        InvalidOperationException or AggregateException => ex.InnerException is { } inner && Is(inner),
        _ => false,
    };

    /// <summary>The innermost message: "Connection refused" rather than EF's wrapper.</summary>
    public static string Describe(Exception ex)
    {
        while (ex.InnerException is not null)
        {
            ex = ex.InnerException;
        }
        return ex.Message;
    }
}
