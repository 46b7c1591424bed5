process HICLSTM_BASELINE {
    tag "${meta.id}:${method}"
    label 'process_medium'
    container 'ghcr.io/hiclstm/hiclstm:0.1.0'

    input:
    tuple val(meta), path(contacts), path(bins), path(trans), val(method)
    path(orient)

    output:
    tuple val(meta), val(method), path("${prefix}.${method}.representations.parquet"), emit: representations
    path "versions.yml"                                                              , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}"
    // Only PCA has a compartment track to orient.
    def orient_track = (orient && method == 'pca') ? "--orient ${orient}" : ''
    // With a trans table both methods take their genome-wide form.
    def trans_table = trans ? "--trans ${trans}" : ''
    """
    hiclstm-baseline \\
        ${method} \\
        ${contacts} \\
        ${orient_track} \\
        ${trans_table} \\
        -o ${prefix}.${method}.representations.parquet \\
        --threads ${task.cpus} \\
        ${args}

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        hiclstm: \$(hiclstm-baseline --version | sed 's/^hiclstm-baseline //')
    END_VERSIONS
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    touch ${prefix}.${method}.representations.parquet
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        hiclstm: \$(hiclstm-baseline --version | sed 's/^hiclstm-baseline //')
    END_VERSIONS
    """
}
