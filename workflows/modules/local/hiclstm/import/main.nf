process HICLSTM_IMPORT {
    tag "$meta.id"
    label 'process_medium'
    container 'ghcr.io/hiclstm/hiclstm:0.1.0'

    input:
    tuple val(meta), path(map)

    output:
    tuple val(meta), path("${prefix}.contacts.parquet"), path("${prefix}.bins.parquet"), emit: contacts
    tuple val(meta), path("${prefix}.trans.parquet")                                   , emit: trans, optional: true
    path "versions.yml"                                                                , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}"
    def format = meta.format ? "--format ${meta.format}" : ''
    def resolution = meta.resolution ? "--resolution ${meta.resolution}" : ''
    def chromosomes = meta.chromosomes ? "--chromosomes ${meta.chromosomes}" : ''
    """
    hiclstm-import \\
        ${map} \\
        ${format} \\
        ${resolution} \\
        ${chromosomes} \\
        -o ${prefix} \\
        --threads ${task.cpus} \\
        ${args}

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        hiclstm: \$(hiclstm-import --version | sed 's/^hiclstm-import //')
    END_VERSIONS
    """

    stub:
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}"
    def trans_table = args.contains('--trans') ? "${prefix}.trans.parquet" : ''
    """
    touch ${prefix}.contacts.parquet ${prefix}.bins.parquet ${trans_table}
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        hiclstm: \$(hiclstm-import --version | sed 's/^hiclstm-import //')
    END_VERSIONS
    """
}
