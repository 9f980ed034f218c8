namespace StreamHub.Tests.Infrastructure;

/// <summary>The test classes that run on PostgreSQL: one server for all of them (<see cref="PostgresServer"/>),
/// started before the first and stopped after the last.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "PostgreSQL";
}
