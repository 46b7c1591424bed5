process HICLSTM_EVALUATE {
    tag "$meta.id"
    label 'process_low'
    container 'ghcr.io/hiclstm/hiclstm:0.1.0'

    input:
    tuple val(meta), path(predictions), path(training_log)

    output:
    tuple val(meta), path("${prefix}.metrics.parquet"), emit: metrics
    tuple val(meta), path("${prefix}.*.png")          , emit: plots
    path "versions.yml"                               , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    hiclstm-evaluate \\
        hiclstm=${predictions} \\
        --plots \\
        --training-log ${training_log} \\
        -o ${prefix} \\
        --threads ${task.cpus} \\
        ${args}

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        hiclstm: \$(hiclstm-evaluate --version | sed 's/^hiclstm-evaluate //')
    END_VERSIONS
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    touch ${prefix}.metrics.parquet ${prefix}.r2_by_distance.png ${prefix}.heatmap.png ${prefix}.loss.png
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        hiclstm: \$(hiclstm-evaluate --version | sed 's/^hiclstm-evaluate //')
    END_VERSIONS
    """
}
