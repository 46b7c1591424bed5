process HICLSTM_DOWNSAMPLE {
    tag "$meta.id"
    label 'process_low'
    container 'ghcr.io/hiclstm/hiclstm:0.1.0'

    input:
    // meta.depth: the fraction of the contacts kept (the read-depth experiment).
    tuple val(meta), path(contacts), path(bins)

    output:
    tuple val(meta), path("${prefix}.contacts.parquet"), path("${prefix}.bins.parquet"), emit: contacts
    path "versions.yml"                                                                , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    hiclstm-downsample \\
        ${contacts} \\
        --fraction ${meta.depth} \\
        -o ${prefix} \\
        --threads ${task.cpus} \\
        ${args}

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        hiclstm: \$(hiclstm-downsample --version | sed 's/^hiclstm-downsample //')
    END_VERSIONS
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    touch ${prefix}.contacts.parquet ${prefix}.bins.parquet
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        hiclstm: \$(hiclstm-downsample --version | sed 's/^hiclstm-downsample //')
    END_VERSIONS
    """
}
