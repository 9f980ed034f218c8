using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace StreamHub.StreamKeys.Migrations;

/// <summary>Which process start wrote a node's row: two processes given the same node id (the host name by default)
/// would otherwise count as one node.</summary>
[DbContext(typeof(StreamKeyDbContext))]
[Migration("20261206000000_ClusterNodeInstance")]
public sealed class ClusterNodeInstance : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.AddColumn<string>(name: "instance_id", table: "cluster_nodes", maxLength: 32, nullable: false, defaultValue: "");
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropColumn(name: "instance_id", table: "cluster_nodes");
    }
}
