using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

namespace StreamHub.StreamKeys.Migrations;

/// <summary>The Data Protection key ring's table. Used when the database is PostgreSQL (shared by several nodes, so a
/// restream key encrypted on one can be decrypted on another); created on SQLite too, where it stays empty, so both
/// providers keep one migration history.</summary>
[DbContext(typeof(StreamKeyDbContext))]
[Migration("20261203000000_DataProtectionKeys")]
public sealed class DataProtectionKeys : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) =>
        migrationBuilder.CreateTable(
            name: "data_protection_keys",
            columns: table => new
            {
                id = table.Column<int>(nullable: false).Annotation("Sqlite:Autoincrement", true)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                friendly_name = table.Column<string>(nullable: true),
                xml = table.Column<string>(nullable: true),
            },
            constraints: table => table.PrimaryKey("pk_data_protection_keys", x => x.id));

    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.DropTable(name: "data_protection_keys");
}
